/** kill -9 of `parevm run` at random moments, then a rerun: same verdicts, nothing fetched twice. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runKillCheck } from './run-kill-harness.js'

test('kill -9 during parevm run, rerun: verdicts equal an uninterrupted run, nothing fetched twice', async (t) => {
  const r = await runKillCheck({ blocks: 16, kills: 3, seed: 7, log: (l) => t.diagnostic(l) })
  assert.ok(r.trials.some((x) => x.killed), 'at least one kill landed mid-job')
  assert.equal(r.reference.size, r.blocks)
  for (const trial of r.trials) {
    assert.deepEqual([...trial.verdicts.entries()], [...r.reference.entries()])
    // The rerun fetched exactly what the killed run had not stored.
    assert.equal(trial.alreadyStored, trial.storedBefore)
    assert.equal(trial.fetched, r.blocks - trial.storedBefore)
  }
})
