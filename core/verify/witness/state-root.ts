/**
 * New state root from a pre-state witness and a block's changes: apply the changes to the
 * partial storage tries, then to the partial account trie, and hash only what changed.
 */
import type { AccountChange, StateChanges, TrieHints } from '../../types.js'
import { EMPTY_TRIE_ROOT, KECCAK_EMPTY, accountKey, bytesToHex, bytesToNibbles, hexToBytes, quantity, storageKey } from './bytes.js'
import { decodeAccount, encodeAccount, encodeStorageValue } from './account.js'
import { MissingNodeError } from './errors.js'
import { NodeStore } from './node-store.js'
import { TrieResolver, rootNode, trieDelete, trieGet, triePut, trieRoot } from './partial-trie.js'
import type { EthAccountProof } from './proof.js'
import { PostStateSiblings, type SiblingSource } from './sibling.js'
import type { TrieNode } from './node.js'

/** Partial state at a block: its state root plus the trie nodes known below it. */
export interface StateWitness {
  stateRoot: string
  /** Nodes of the pre-state (account and storage tries together: content-addressed). */
  nodes: NodeStore
  /**
   * Nodes only used to find the sibling a deletion collapses into: the nodes of post-state
   * proofs, verified against the block's state root (see sibling.ts for why verified).
   */
  extraNodes?: NodeStore
}

/** A node the witness lacked; fetching it (or a proof through it) makes the check possible. */
export interface MissingNode {
  /** 'account' or the address whose storage trie it is in. */
  trie: string
  /** Nibble path from the trie root, e.g. "0x3a7". */
  path: string
  hash: string
  role: 'path' | 'sibling'
}

export type StateRootResult = { root: string } | { unchecked: string; missing: MissingNode[] }

/**
 * Whose trie the root is of. Default: the spec's (zero slots and emptied accounts are
 * deleted). `anvil`: anvil's, which deletes nothing — a slot written to zero stays as a leaf
 * holding 0x80, an account that ceases to exist stays as an empty-account leaf — and also
 * holds what `hints` lists (zero slots only read, accounts only loaded); see
 * core/execute/trie-hints.ts.
 */
export interface StateRootOptions {
  trie?: 'anvil'
  hints?: TrieHints
}

const EMPTY_ROOT_BYTES = hexToBytes(EMPTY_TRIE_ROOT)

/**
 * Witness from `eth_getProof` answers at the parent block and (optionally) at the block
 * itself, both assumed verified. Where proofs were just verified, pass the stores that
 * verifyProofs filled instead: that avoids hashing every node a second time.
 */
export function witnessFromProofs(
  stateRoot: string,
  proofs: Iterable<EthAccountProof>,
  extraProofs: Iterable<EthAccountProof> = [],
): StateWitness {
  return { stateRoot, nodes: proofNodes(proofs), extraNodes: proofNodes(extraProofs) }
}

/** All trie nodes of some proofs, in one store. */
export function proofNodes(proofs: Iterable<EthAccountProof>): NodeStore {
  const store = new NodeStore()
  for (const p of proofs) {
    store.addAll(p.accountProof)
    for (const sp of p.storageProof) store.addAll(sp.proof)
  }
  return store
}

/**
 * The state root after `changes`, or `unchecked` with every node the witness lacked.
 * Never guesses: a missing node means no verdict, not a mismatch.
 */
export function computeStateRoot(witness: StateWitness, changes: StateChanges, opts: StateRootOptions = {}): StateRootResult {
  const missing: MissingNode[] = []
  const collect = (e: unknown): void => {
    if (!(e instanceof MissingNodeError)) throw e
    missing.push({ trie: e.trie, path: e.path, hash: e.hash, role: e.role })
  }
  const siblings = new PostStateSiblings(witness.extraNodes ?? new NodeStore())
  const accounts = new TrieResolver('account', witness.nodes, siblings)
  const preRoot = rootNode(hexToBytes(witness.stateRoot as `0x${string}`), EMPTY_ROOT_BYTES)

  const puts: [Uint8Array, Uint8Array][] = []
  const deletes: Uint8Array[] = []
  const anvil = opts.trie === 'anvil'
  const zeroSlots = anvil ? opts.hints?.zeroSlots : undefined
  for (const change of changes) {
    const key = bytesToNibbles(accountKey(change.address.toLowerCase()))
    if (change.account === null) {
      if (anvil) puts.push([key, EMPTY_ACCOUNT_LEAF])
      else deletes.push(key)
      continue
    }
    try {
      const extra = zeroSlots?.get(change.address.toLowerCase())
      const storageRoot = newStorageRoot(witness, accounts, siblings, preRoot, key, change, collect, anvil, extra)
      if (storageRoot !== undefined) puts.push([key, encodeAccount({ ...change.account, storageRoot })])
    } catch (e) {
      collect(e)
    }
  }
  if (anvil && opts.hints) anvilExtras(witness, accounts, siblings, preRoot, changes, opts.hints, puts, collect)

  const root = applyUpdates(accounts, preRoot, puts, deletes, collect)
  if (missing.length > 0) {
    const first = missing[0]
    const what = first.role === 'sibling' ? 'missing sibling node' : 'missing node'
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''
    return { unchecked: `${what} for ${first.trie} trie path ${first.path}${more}`, missing }
  }
  return { root: bytesToHex(trieRoot(root, EMPTY_ROOT_BYTES)) }
}

/** anvil's empty-account leaf: nonce 0, balance 0, empty storage, no code. */
const EMPTY_ACCOUNT_LEAF = encodeAccount({ nonce: 0n, balance: 0n, storageRoot: EMPTY_TRIE_ROOT, codeHash: KECCAK_EMPTY })
/** anvil's leaf for a zero slot: the RLP of the empty value (0x80). */
const ZERO_SLOT_LEAF = encodeStorageValue(0n)

/**
 * anvil mode, accounts the block's changes do not name: loaded accounts that do not exist
 * (empty leaves), and unchanged accounts with zero slots to keep (their leaf, new storage root).
 */
function anvilExtras(
  witness: StateWitness,
  accounts: TrieResolver,
  siblings: SiblingSource,
  preRoot: TrieNode | null,
  changes: StateChanges,
  hints: TrieHints,
  puts: [Uint8Array, Uint8Array][],
  collect: (e: unknown) => void,
): void {
  const named = new Set(changes.map((c) => c.address.toLowerCase()))
  for (const address of [...hints.emptyAccounts].sort()) {
    if (!named.has(address)) puts.push([bytesToNibbles(accountKey(address)), EMPTY_ACCOUNT_LEAF])
  }
  for (const address of [...hints.zeroSlots.keys()].sort()) {
    if (named.has(address) || hints.emptyAccounts.has(address)) continue
    const key = bytesToNibbles(accountKey(address))
    try {
      const leaf = trieGet(accounts, preRoot, key)
      if (leaf === undefined) continue
      const account = decodeAccount(leaf)
      const unchanged: AccountChange = { address, account, storageCleared: false, storage: new Map() }
      const storageRoot = newStorageRoot(witness, accounts, siblings, preRoot, key, unchanged, collect, true, hints.zeroSlots.get(address))
      if (storageRoot !== undefined && storageRoot !== account.storageRoot) puts.push([key, encodeAccount({ ...account, storageRoot })])
    } catch (e) {
      collect(e)
    }
  }
}

/**
 * Storage root of an account after its slot writes; undefined if nodes were missing (reported).
 * `anvil`: zero values are written as 0x80 leaves, never deleted, and so is every slot of
 * `zeroSlots` (whether or not the block changed it).
 */
function newStorageRoot(
  witness: StateWitness,
  accounts: TrieResolver,
  siblings: SiblingSource,
  preRoot: TrieNode | null,
  accountNibbles: Uint8Array,
  change: AccountChange,
  collect: (e: unknown) => void,
  anvil = false,
  zeroSlots?: ReadonlySet<string>,
): string | undefined {
  const writes = change.storage.size + (zeroSlots?.size ?? 0)
  let root: TrieNode | null = null
  if (!change.storageCleared) {
    const leaf = trieGet(accounts, preRoot, accountNibbles)
    const pre = leaf === undefined ? EMPTY_TRIE_ROOT : decodeAccount(leaf).storageRoot
    if (writes === 0) return pre
    root = rootNode(hexToBytes(pre as `0x${string}`), EMPTY_ROOT_BYTES)
  }
  if (writes === 0) return EMPTY_TRIE_ROOT
  const address = change.address.toLowerCase()
  const storage = new TrieResolver(address, witness.nodes, siblings)
  const puts: [Uint8Array, Uint8Array][] = []
  const deletes: Uint8Array[] = []
  for (const [slot, value] of change.storage) {
    const key = bytesToNibbles(storageKey(slot))
    const v = quantity(value)
    if (v === 0n && !anvil) deletes.push(key)
    else puts.push([key, encodeStorageValue(v)])
  }
  for (const slot of zeroSlots ?? []) {
    if (!change.storage.has(slot)) puts.push([bytesToNibbles(storageKey(slot)), ZERO_SLOT_LEAF])
  }
  let failed = false
  root = applyUpdates(storage, root, puts, deletes, (e) => {
    collect(e)
    failed = true
  })
  return failed ? undefined : bytesToHex(trieRoot(root, EMPTY_ROOT_BYTES))
}

/**
 * Writes before deletions: a key inserted under a branch keeps it from collapsing when a
 * sibling is deleted, so fewer off-path nodes are needed (the final trie is the same in
 * any order). Each failing key is reported and skipped; the result then is not used.
 */
function applyUpdates(
  r: TrieResolver,
  root: TrieNode | null,
  puts: [Uint8Array, Uint8Array][],
  deletes: Uint8Array[],
  onMissing: (e: unknown) => void,
): TrieNode | null {
  for (const [key, value] of puts) {
    try {
      root = triePut(r, root, key, value)
    } catch (e) {
      onMissing(e)
    }
  }
  for (const key of deletes) {
    try {
      root = trieDelete(r, root, key)
    } catch (e) {
      onMissing(e)
    }
  }
  return root
}
