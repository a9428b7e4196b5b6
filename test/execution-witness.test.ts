/**
 * debug_executionWitness layout on execution-spec-tests' zkEVM fixtures (Amsterdam): the
 * witness must hold the parent's state root node, lookups must return the test's `pre`, and
 * (for single-block tests) applying the pre → post difference must give the block's root.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { keccak256 } from 'ethereum-cryptography/keccak.js'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { AccountChange, StateChanges } from '../core/types.js'
import {
  ExecutionWitnessState,
  MissingNodeError,
  WitnessError,
  computeStateRoot,
  decodeWitnessHeaders,
  parentStateRoot,
  type ExecutionWitness,
} from '../core/verify/witness/index.js'

const DIR = process.env.PAREVM_WITNESS_FIXTURES ?? '/work/shared/witness-format/eest-zkevm/blockchain_tests_zkevm'

interface FixtureAccount {
  nonce: string
  balance: string
  code: string
  storage: Record<string, string>
}
interface FixtureHeader {
  hash: string
  parentHash: string
  stateRoot: string
  number: string
}
interface Fixture {
  genesisBlockHeader: FixtureHeader
  pre: Record<string, FixtureAccount>
  postState?: Record<string, FixtureAccount>
  blocks: FixtureBlock[]
}
interface FixtureBlock {
  blockHeader: FixtureHeader
  executionWitness: ExecutionWitness
  /** Stateless validation result: 32-byte hash, then 0x01 if the witness is sufficient. */
  statelessOutputBytes: string
  expectException?: string
}

/** witness_validation_* fixtures remove required items on purpose; their output flag is 0. */
const witnessValid = (b: FixtureBlock): boolean => b.statelessOutputBytes.slice(66, 68) === '01'

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json.gz') ? [join(dir, e.name)] : [],
  )
}

const fixtures: [string, Fixture][] = walk(DIR).flatMap((file) =>
  Object.entries(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Record<string, Fixture>),
)

const word = (hex: string): string => '0x' + BigInt(hex).toString(16).padStart(64, '0')
const codeHash = (code: string): string => bytesToHex(keccak256(hexToBytes(code as `0x${string}`)))

test('fixtures are present', () => assert.ok(fixtures.length >= 150, `${fixtures.length} tests`))

test('every block witness holds the parent state root node and the parent header', () => {
  let blocks = 0
  let invalid = 0
  for (const [name, f] of fixtures) {
    let parent = f.genesisBlockHeader
    for (const b of f.blocks) {
      const w = b.executionWitness
      assert.ok(new ExecutionWitnessState(w, parent.stateRoot).hasRootNode(), name)
      if (witnessValid(b)) {
        assert.equal(parentStateRoot(w, b.blockHeader.parentHash), parent.stateRoot, name)
        assert.ok(decodeWitnessHeaders(w.headers).some((h) => h.number === BigInt(parent.number)))
      } else invalid++
      parent = b.blockHeader
      blocks++
    }
  }
  console.log(`${fixtures.length} tests, ${blocks} blocks (${invalid} with a deliberately broken witness)`)
})

test('broken headers are reported as WitnessError', () => {
  const f = fixtures.find(([name]) => name.includes('missing_parent_header'))?.[1]
  assert.ok(f)
  const b = f.blocks.find((blk) => !witnessValid(blk))
  assert.ok(b)
  assert.throws(() => parentStateRoot(b.executionWitness, b.blockHeader.parentHash), WitnessError)
  const m = fixtures.find(([name]) => name.includes('malformed_rlp_header'))?.[1]
  assert.ok(m)
  assert.ok(m.blocks.some((blk) => {
    try {
      decodeWitnessHeaders(blk.executionWitness.headers)
      return false
    } catch (e) {
      return e instanceof WitnessError
    }
  }))
})

test('lookups in the first block witness give the pre-state', () => {
  let found = 0
  let beyond = 0
  let slots = 0
  let slotsBeyond = 0
  for (const [name, f] of fixtures) {
    const w = f.blocks[0].executionWitness
    const state = new ExecutionWitnessState(w, f.genesisBlockHeader.stateRoot)
    const changed = new Set(diff(f.pre, f.postState ?? {}).map((c) => c.address))
    for (const [address, pre] of Object.entries(f.pre)) {
      let account
      try {
        account = state.getAccount(address)
      } catch (e) {
        // A witness holds only what the block touches: an account it does not reach must be
        // one the block leaves alone (checkable for single-block tests).
        if (!(e instanceof MissingNodeError)) throw e
        if (f.blocks.length === 1 && witnessValid(f.blocks[0])) assert.ok(!changed.has(address), `${name}: changed ${address} not in witness`)
        beyond++
        continue
      }
      found++
      assert.ok(account, `${name}: ${address} missing`)
      assert.equal(account.balance, BigInt(pre.balance), `${name}: ${address} balance`)
      assert.equal(account.nonce, BigInt(pre.nonce), `${name}: ${address} nonce`)
      assert.equal(account.codeHash, codeHash(pre.code), `${name}: ${address} codeHash`)
      for (const [slot, value] of Object.entries(pre.storage)) {
        try {
          assert.equal(state.getStorage(address, word(slot)), word(value), `${name}: ${address} slot ${slot}`)
          slots++
        } catch (e) {
          if (!(e instanceof MissingNodeError)) throw e
          slotsBeyond++
        }
      }
    }
  }
  console.log(`pre accounts: ${found} found in the witness (all equal to pre), ${beyond} beyond it; slots: ${slots} equal, ${slotsBeyond} beyond`)
  assert.ok(found > 900)
})

/** pre → post difference as StateChanges. */
function diff(pre: Record<string, FixtureAccount>, post: Record<string, FixtureAccount>): StateChanges {
  const changes: StateChanges = []
  const addresses = [...new Set([...Object.keys(pre), ...Object.keys(post)])].map((a) => a.toLowerCase()).sort()
  for (const address of addresses) {
    const a = pre[address]
    const b = post[address]
    if (b === undefined) {
      if (a !== undefined) changes.push({ address, account: null, storageCleared: true, storage: new Map() })
      continue
    }
    const storage = new Map<string, string>()
    const before = new Map(Object.entries(a?.storage ?? {}).map(([k, v]) => [word(k), word(v)]))
    const after = new Map(Object.entries(b.storage).map(([k, v]) => [word(k), word(v)]))
    for (const [k, v] of after) if (before.get(k) !== v) storage.set(k, v)
    for (const k of before.keys()) if (!after.has(k)) storage.set(k, word('0x0'))
    const same =
      a !== undefined && a.nonce === b.nonce && a.balance === b.balance && codeHash(a.code) === codeHash(b.code) && storage.size === 0
    if (same) continue
    const change: AccountChange = {
      address,
      account: { nonce: BigInt(b.nonce), balance: BigInt(b.balance), codeHash: codeHash(b.code) },
      storageCleared: false,
      storage,
    }
    changes.push(change)
  }
  return changes
}

test('single-block tests: pre → post changes on the witness give the block stateRoot', () => {
  let matched = 0
  const broken: string[] = []
  for (const [name, f] of fixtures) {
    const b = f.blocks[0]
    if (f.blocks.length !== 1 || f.postState === undefined || b.expectException !== undefined) continue
    const state = new ExecutionWitnessState(b.executionWitness, f.genesisBlockHeader.stateRoot)
    const result = computeStateRoot(state.toStateWitness(), diff(f.pre, f.postState))
    if (witnessValid(b) || 'root' in result) {
      // A deliberately broken witness may still suffice for the root (e.g. it lacks only code).
      assert.deepEqual(result, { root: b.blockHeader.stateRoot }, name)
      matched++
    } else {
      assert.ok(result.missing.length > 0)
      broken.push(`${name.replace(/.*::test_/, '').replace(/\[.*/, '')}: ${result.unchecked}`)
    }
  }
  console.log(`${matched} single-block tests: root matches; unchecked (broken witness):\n  ${broken.join('\n  ')}`)
  assert.ok(matched > 130)
  // Removing the node a deletion collapses into must be noticed as a missing sibling.
  assert.ok(broken.some((s) => s.includes('delete_auxiliary') && s.includes('missing sibling node')), broken.join('\n'))
})
