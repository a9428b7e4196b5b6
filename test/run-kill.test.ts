/** kill -9 of `parevm run` at random moments, then a rerun: same verdicts, nothing fetched twice. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runKillCheck } from './run-kill-harness.js'

test('kill -9 during parevm run, rerun: verdicts equal an uninterrupted run, nothing fetched twice', async (t) => {
  const r = await runKillCheck({ blocks: 16, kills: 3, seed: 7, log: (l) => t.diagnostic(l) })
  assert.ok(r.kills >= 1, 'at least one kill landed mid-job')
  assert.equal(r.reference.size, r.blocks)
  assert.deepEqual([...r.resumed.entries()], [...r.reference.entries()])
  // The completing run fetched only what the killed ones had not stored.
  assert.equal(r.final.alreadyStored, r.final.storedBefore)
  assert.equal(r.final.fetched, r.blocks - r.final.storedBefore)
  t.diagnostic(`kills ${r.kills}; final run: ${r.final.alreadyStored} already stored, ${r.final.fetched} fetched, ${r.final.resumedVerdicts} verdicts reused`)
})
