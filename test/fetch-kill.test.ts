/**
 * kill -9 during a real `parevm fetch` (three times at random moments), then a rerun: the
 * database equals an uninterrupted fetch's, table by table, and passes SQLite's integrity
 * check. The long version (10 kills, 200 blocks) is scripts/kill-resume-fetch.mjs.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { killResumeCheck } from './fetch-kill-harness.js'

test('3 kills at random moments during a 30-block fetch: the resumed database equals an uninterrupted one', async (t) => {
  const seed = Number(process.env.PAREVM_KILL_SEED ?? Date.now() % 100_000)
  const r = await killResumeCheck({ hardfork: 'cancun', blocks: 30, kills: 3, seed, discovery: 'execute', log: (l) => t.diagnostic(l) })
  t.diagnostic(`seed ${seed} (PAREVM_KILL_SEED to repeat)`)
  assert.equal(r.kills.filter((k) => k.killed).length, 3, 'three fetches were killed')
  assert.equal(r.integrity, 'ok')
  assert.equal(r.reference.blocks!.rows, r.to - r.from + 1)
  assert.deepEqual(r.resumed, r.reference)
})
