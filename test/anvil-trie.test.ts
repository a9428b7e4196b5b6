/**
 * anvil's trie on a tiny handmade state: the witness-based root in `anvil` mode against a
 * reference trie built with @ethereumjs/mpt holding exactly what anvil keeps (zero slots as
 * 0x80 leaves, emptied accounts as empty-account leaves); the default mode stays the spec's.
 * And the execution side: which slots and accounts `trieHints` reports from write and read sets.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMPT, createMerkleProof } from '@ethereumjs/mpt'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { AccountData, StateChanges, TrieHints } from '../core/types.js'
import {
  EMPTY_TRIE_ROOT, KECCAK_EMPTY, NodeStore, computeStateRoot, encodeAccount, type StateWitness,
} from '../core/verify/witness/index.js'
import { encodeStorageValue } from '../core/verify/witness/account.js'
import { Overlay } from '../core/execute/overlay.js'
import { PreState } from '../core/execute/prestate.js'
import { trieHints } from '../core/execute/trie-hints.js'
import type { TxOutcome } from '../core/execute/block-executor.js'
import type { WriteSet } from '../core/execute/state-layer.js'

const addr = (n: number): string => '0x' + n.toString(16).padStart(40, '0')
const word = (n: number | bigint): string => '0x' + n.toString(16).padStart(64, '0')
const CODE = '0x' + 'c0'.repeat(32)

const A = addr(0xa) // contract with storage: slot 1 = 5, slot 2 = 6
const B = addr(0xb) // contract, destroyed in the block
const C = addr(0xc) // absent, only loaded (BALANCE) in the block
const E = addr(0xe) // contract with slot 1 = 7, unchanged, reads its unset slot 9

type Slots = Map<string, bigint>
interface Acc { nonce: bigint; balance: bigint; codeHash: string; storage: Slots }

/** A reference trie of accounts (and their storage tries), as anvil or the spec keeps them. */
async function buildTrie(accounts: Map<string, Acc>) {
  const state = await createMPT({ useKeyHashing: true })
  const storageTries = new Map<string, Awaited<ReturnType<typeof createMPT>>>()
  for (const [address, a] of accounts) {
    const st = await createMPT({ useKeyHashing: true })
    // A zero value is written as the RLP of the empty string (0x80): anvil's leaf; the spec deletes instead.
    for (const [slot, v] of a.storage) await st.put(hexToBytes(slot as `0x${string}`), encodeStorageValue(v))
    storageTries.set(address, st)
    const storageRoot = a.storage.size === 0 ? EMPTY_TRIE_ROOT : bytesToHex(st.root())
    await state.put(hexToBytes(address as `0x${string}`), encodeAccount({ nonce: a.nonce, balance: a.balance, codeHash: a.codeHash, storageRoot }))
  }
  return { state, storageTries, root: bytesToHex(state.root()) }
}

const pre = new Map<string, Acc>([
  [A, { nonce: 1n, balance: 0n, codeHash: CODE, storage: new Map([[word(1), 5n], [word(2), 6n]]) }],
  [B, { nonce: 1n, balance: 9n, codeHash: CODE, storage: new Map([[word(1), 3n]]) }],
  [E, { nonce: 1n, balance: 0n, codeHash: CODE, storage: new Map([[word(1), 7n]]) }],
  [addr(0xf), { nonce: 3n, balance: 10n ** 18n, codeHash: KECCAK_EMPTY, storage: new Map() }],
])

/** Pre-state witness: proofs of every account and slot the block touches. */
async function witness(): Promise<StateWitness> {
  const t = await buildTrie(pre)
  const nodes = new NodeStore()
  for (const a of [A, B, C, E, addr(0xf)]) nodes.addAll(await createMerkleProof(t.state, hexToBytes(a as `0x${string}`)))
  const slots: Record<string, number[]> = { [A]: [1, 2, 3], [B]: [1], [E]: [1, 9] }
  for (const [a, list] of Object.entries(slots)) {
    for (const s of list) nodes.addAll(await createMerkleProof(t.storageTries.get(a)!, hexToBytes(word(s) as `0x${string}`)))
  }
  return { stateRoot: t.root, nodes }
}

// The block: A's slot 1 set to zero, slot 3 read (unset); B self-destructed; C loaded; E's slot 9 read.
const changes: StateChanges = [
  { address: A, account: { nonce: 1n, balance: 0n, codeHash: CODE }, storageCleared: false, storage: new Map([[word(1), word(0)]]) },
  { address: B, account: null, storageCleared: true, storage: new Map() },
]
const hints: TrieHints = {
  zeroSlots: new Map([[A, new Set([word(1), word(3)])], [E, new Set([word(9)])]]),
  emptyAccounts: new Set([B, C]),
}

test('anvil mode: zero slots stay as 0x80 leaves, emptied and loaded accounts as empty leaves', async () => {
  const anvil = new Map(pre)
  anvil.set(A, { ...pre.get(A)!, storage: new Map([[word(1), 0n], [word(2), 6n], [word(3), 0n]]) })
  anvil.set(B, { nonce: 0n, balance: 0n, codeHash: KECCAK_EMPTY, storage: new Map() })
  anvil.set(C, { nonce: 0n, balance: 0n, codeHash: KECCAK_EMPTY, storage: new Map() })
  anvil.set(E, { ...pre.get(E)!, storage: new Map([[word(1), 7n], [word(9), 0n]]) })
  const expected = (await buildTrie(anvil)).root

  const w = await witness()
  const got = computeStateRoot(w, changes, { trie: 'anvil', hints })
  assert.deepEqual(got, { root: expected })
  // No deletion, so no sibling from post-state proofs is ever needed (w has no extraNodes).

  // Without hints only the block's own changes count: zero writes and deletions become leaves.
  const bare = new Map(pre)
  bare.set(A, { ...pre.get(A)!, storage: new Map([[word(1), 0n], [word(2), 6n]]) })
  bare.set(B, { nonce: 0n, balance: 0n, codeHash: KECCAK_EMPTY, storage: new Map() })
  assert.deepEqual(computeStateRoot(w, changes, { trie: 'anvil' }), { root: (await buildTrie(bare)).root })
})

test('default mode is the spec: zero slots and destroyed accounts deleted, hints ignored', async () => {
  const spec = new Map(pre)
  spec.set(A, { ...pre.get(A)!, storage: new Map([[word(2), 6n]]) })
  spec.delete(B)
  const expected = (await buildTrie(spec)).root
  const w = await witness()
  // Deleting B (a leaf among few) may need a sibling the pre-state proofs lack; the root is either right or unchecked.
  for (const r of [computeStateRoot(w, changes), computeStateRoot(w, changes, { hints })]) {
    if ('root' in r) assert.equal(r.root, expected)
    else assert.match(r.unchecked, /missing/)
  }
  // With every node known (proofs of every key), exactly the spec's root.
  const full = await buildTrie(pre)
  const nodes = new NodeStore()
  for (const [address, a] of pre) {
    nodes.addAll(await createMerkleProof(full.state, hexToBytes(address as `0x${string}`)))
    for (const slot of a.storage.keys()) nodes.addAll(await createMerkleProof(full.storageTries.get(address)!, hexToBytes(slot as `0x${string}`)))
  }
  assert.deepEqual(computeStateRoot({ stateRoot: full.root, nodes }, changes, { hints }), { root: expected })
  const anvilRoot = computeStateRoot({ stateRoot: full.root, nodes }, changes, { trie: 'anvil', hints })
  assert.ok('root' in anvilRoot && anvilRoot.root !== expected)
})

// ---- execution side: trieHints from write and read sets ----

function ws(parts: Partial<WriteSet>): WriteSet {
  return { accounts: new Map(), cleared: new Set(), storage: new Map(), code: new Map(), ...parts }
}
const acct = (nonce: bigint, balance = 0n, codeHash = CODE): AccountData => ({ nonce, balance, codeHash })

test('trieHints: touched accounts keep every loaded zero slot, untouched ones nothing; loaded absent accounts', () => {
  const D = addr(0x77) // an EOA delegated by EIP-7702: anvil caches its slots on read
  const delegation = hexToBytes(('0xef0100' + A.slice(2)) as `0x${string}`)
  const preState = new PreState(new Map([
    [D, { nonce: 1n, balance: 5n, code: delegation }],
    [A, { nonce: 1n, balance: 0n, codeHash: CODE, storage: new Map([[word(1), word(5)], [word(2), word(6)]]) }],
    [B, { nonce: 1n, balance: 9n, codeHash: CODE, storage: new Map([[word(1), word(3)]]) }],
    [addr(0xf), { nonce: 3n, balance: 100n }],
  ]))
  const overlay = new Overlay(preState)
  const outcome = (writes: WriteSet, reads: string[]): TxOutcome => {
    overlay.apply(writes)
    return { writes, reads: new Map(reads.map((k) => [k, undefined])) } as unknown as TxOutcome
  }
  const txs = [
    // tx 0: calls A, which sets slot 1 to zero, reads unset slot 3, writes then clears slot 4; looks at C's balance.
    outcome(
      ws({ accounts: new Map([[A, acct(1n)], [addr(0xf), acct(4n, 90n, KECCAK_EMPTY)]]), storage: new Map([[A, new Map([[word(1), word(0)], [word(4), word(0)]])]]) }),
      [`a:${A}`, `s:${A}:${word(1)}`, `s:${A}:${word(3)}`, `s:${A}:${word(4)}`, `a:${C}`],
    ),
    // tx 1: calls A and reverts: A's slot 7 was read, but A's touch is undone (an empty slot map
    // remains); D's slot 9, read there too, stays (D was never created by anvil).
    outcome(ws({ accounts: new Map([[addr(0xf), acct(5n, 80n, KECCAK_EMPTY)]]), storage: new Map([[A, new Map()]]) }), [`s:${A}:${word(7)}`, `a:${D}`, `s:${D}:${word(9)}`]),
    // tx 2: B self-destructs after reading its unset slot 2.
    outcome(ws({ accounts: new Map([[B, null], [addr(0xf), acct(6n, 89n, KECCAK_EMPTY)]]), cleared: new Set([B]) }), [`a:${B}`, `s:${B}:${word(2)}`]),
    // tx 3: writes A's slot 3 nonzero: no longer a zero slot.
    outcome(ws({ accounts: new Map([[A, acct(1n)]]), storage: new Map([[A, new Map([[word(3), word(8)]])]]) }), []),
  ]
  const h = trieHints(overlay, txs, [])
  assert.deepEqual(h.zeroSlots, new Map([[A, new Set([word(1), word(4)])], [D, new Set([word(9)])]]))
  assert.deepEqual(h.emptyAccounts, new Set([C, B]))
})
