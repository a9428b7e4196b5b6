/**
 * stateRoot of real mainnet blocks from their recorded eth_getProof witnesses: replay, apply
 * the changes to the partial trie, compare with the header. Includes 2675000 (EIP-161
 * deletions), 1920000 (the DAO fork) and receiptsRoot of pre-Byzantium blocks (intermediate
 * roots). A deliberately wrong execution is reported with its transaction, account and slot.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chainRules } from '../core/execute/chain.js'
import { kzgReady } from '../core/execute/crypto.js'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { replayRawBlock, sequentialExecute, type ExecuteFn } from '../core/replay/replay-block.js'
import { Store } from '../storage/store.js'
import { parevm, tempDb } from './support/cli.js'
import { needShared, sharedPath } from './support/shared.js'

test('12 recorded mainnet blocks: stateRoot and receiptsRoot match', needShared('mainnet-rpc'), () => {
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet-rpc'), '--db', db]).code, 0)
  const r = parevm(['replay', '--db', db, '--json', '--mode', 'sequential'])
  assert.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  const numbers = out.blocks.map((b: { number: number }) => b.number)
  assert.deepEqual(numbers, [1, 1149999, 1150000, 1920000, 2463000, 2675000, 2675001, 4370000, 9069000, 15537394, 19426587, 21230867])
  for (const b of out.blocks) {
    for (const [field, state] of Object.entries(b.checks)) assert.equal(state, 'match', `block ${b.number} ${field}`)
    assert.deepEqual(b.unchecked, {})
  }
})

test('a flipped storage write is reported with its transaction, account and slot', needShared('mainnet-rpc', '19426587.json.gz'), async () => {
  await kzgReady()
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet-rpc', '19426587.json.gz'), '--db', db]).code, 0)
  const store = Store.open(db)
  const raw = store.rawBlock(19426587)
  store.close()
  const rules = chainRules({ kind: 'mainnet' })
  const honest = sequentialExecute(new BlockExecutor())
  let flipped: { tx: number; account: string; slot: string } | undefined
  const wrong: ExecuteFn = async (input, opts) => {
    const out = await honest(input, opts)
    const { txs, changes } = out.execution
    // A slot that exactly one transaction writes, so "the first writer" is unambiguous.
    for (let i = 0; i < txs.length && !flipped; i++) {
      for (const [account, slots] of txs[i]!.writes.storage) {
        for (const slot of slots.keys()) {
          const writers = txs.filter((t) => t.writes.storage.get(account)?.has(slot)).length
          const change = changes.find((c) => c.address === account)
          if (writers === 1 && change?.storage.has(slot)) {
            const bad = '0x' + 'ab'.repeat(32)
            slots.set(slot, bad)
            change.storage.set(slot, bad)
            flipped = { tx: i, account, slot }
            break
          }
        }
        if (flipped) break
      }
    }
    return out
  }
  const report = await replayRawBlock(raw, rules, wrong)
  assert.ok(flipped, 'found a storage write to flip')
  assert.equal(report.checks.stateRoot, 'mismatch')
  const m = report.mismatches.find((x) => x.field === 'storage')
  assert.ok(m, JSON.stringify(report.mismatches))
  assert.equal(m.account, flipped.account)
  assert.equal(m.slot, flipped.slot)
  assert.equal(m.tx, flipped.tx)
  assert.equal(m.actual, '0x' + 'ab'.repeat(32))
  // Receipts and gas were untouched by the flip: only the state says something is wrong.
  assert.equal(report.checks.receiptsRoot, 'match')
})
