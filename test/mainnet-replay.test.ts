/**
 * The 50 real mainnet blocks of ../shared/mainnet, imported and replayed by the real binary:
 * every header field we can check matches (blockHash, transactionsRoot, gasUsed, logsBloom,
 * receiptsRoot from Byzantium on). Expected values are the canonical headers themselves.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parevm, tempDb } from './support/cli.js'
import { needShared, sharedPath } from './support/shared.js'

const BYZANTIUM = 4_370_000

test('import + replay --json: all 50 mainnet blocks match their headers', needShared('mainnet'), () => {
  const db = tempDb()
  const imp = parevm(['import', sharedPath('mainnet'), '--db', db])
  assert.equal(imp.code, 0, imp.stderr)
  const r = parevm(['replay', '--db', db, '--mode', 'sequential', '--json'])
  assert.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  const manifest = JSON.parse(readFileSync(sharedPath('mainnet', 'manifest.json'), 'utf8')) as Array<{ number: number; txs: number; gasUsed: number }>
  assert.equal(out.blocks.length, 50)
  assert.equal(out.summary.blocks, 50)
  assert.equal(out.summary.matched, 50)
  assert.equal(out.summary.mismatched, 0)
  assert.equal(out.mode, 'sequential')
  for (const b of out.blocks) {
    const m = manifest.find((x) => x.number === b.number)!
    assert.equal(b.txs, m.txs, `block ${b.number} tx count`)
    assert.equal(b.gasUsed, m.gasUsed, `block ${b.number} gasUsed vs manifest`)
    for (const field of ['blockHash', 'transactionsRoot', 'logsBloom', 'gasUsed']) {
      assert.equal(b.checks[field], 'match', `block ${b.number} ${field}`)
    }
    if (b.number >= BYZANTIUM) assert.equal(b.checks.receiptsRoot, 'match', `block ${b.number} receiptsRoot`)
    else {
      assert.equal(b.checks.receiptsRoot, 'unchecked')
      assert.match(b.unchecked.receiptsRoot, /witness/)
    }
    assert.equal(b.checks.stateRoot, 'unchecked')
    assert.ok(b.unchecked.stateRoot)
    assert.match(b.digest, /^0x[0-9a-f]{64}$/)
    assert.deepEqual(b.mismatches, [])
  }
  assert.equal(out.summary.gas, manifest.reduce((s, m) => s + m.gasUsed, 0))

  // Idempotent import: a second import stores nothing new, and the replay is unchanged.
  const again = parevm(['import', sharedPath('mainnet'), '--db', db])
  assert.equal(again.code, 0)
  assert.match(again.stderr, /0 block\(s\) stored, 50 already stored/)
})
