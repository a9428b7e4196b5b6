/**
 * The stateRoot check of a replayed block from its stored witness: the parent proofs make a
 * partial trie, the block's changes are applied, the new root is held against the header.
 * On a mismatch it says exactly what differs: each account field and slot whose value after
 * our replay differs from the block's post-state proofs, and the first transaction that
 * wrote it.
 */
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from '../execute/crypto.js'
import type { AccountChange, StateChanges } from '../types.js'
import type { WriteSet } from '../execute/state-layer.js'
import type { CheckState, Mismatch } from './checks.js'
import {
  KECCAK_EMPTY, NodeStore, computeStateRoot, toWord, verifyProofs, type EthAccountProof, type MissingNode, type StateRootOptions,
  type StateWitness, type VerifiedAccount,
} from './witness/index.js'

/** What the fetcher stores as a `proofs` witness. */
export interface ProofWitnessData {
  /** The parent header's stateRoot (the fetcher checked every proof against it). */
  parentStateRoot?: string
  pre: EthAccountProof[]
  post: EthAccountProof[]
}

export interface StateRootVerdict {
  state: CheckState
  reason?: string
  mismatches: Mismatch[]
  missing?: MissingNode[]
}

/** The root a proof claims: the hash of its first node (valid only because every proof is then walked from it). */
function claimedRoot(proofs: EthAccountProof[]): string | undefined {
  const first = proofs.find((p) => p.accountProof.length > 0)
  return first ? bytesToHex(keccak256(hexToBytes(first.accountProof[0] as `0x${string}`))) : undefined
}

export interface PreparedWitness {
  witness: StateWitness
  pre: VerifiedAccount[]
  post: VerifiedAccount[]
}

export function prepareProofWitness(data: ProofWitnessData, blockStateRoot: string): PreparedWitness {
  const parentRoot = data.parentStateRoot ?? claimedRoot(data.pre)
  if (!parentRoot) throw new Error('witness holds no proofs')
  const nodes = new NodeStore()
  const extra = new NodeStore()
  const pre = verifyProofs(parentRoot, data.pre, nodes)
  const post = verifyProofs(blockStateRoot, data.post, extra)
  return { witness: { stateRoot: parentRoot, nodes, extraNodes: extra }, pre, post }
}

/** `trie`: whose trie the header's root is of (default the spec's; `{ trie: 'anvil', hints }` for anvil). */
export function checkStateRootWithWitness(
  headerStateRoot: string, changes: StateChanges, prepared: PreparedWitness, txWrites: WriteSet[], trie: StateRootOptions = {},
): StateRootVerdict {
  const result = computeStateRoot(prepared.witness, changes, trie)
  if ('unchecked' in result) return { state: 'unchecked', reason: result.unchecked, mismatches: [], missing: result.missing }
  if (result.root === headerStateRoot.toLowerCase()) return { state: 'match', mismatches: [] }
  const mismatches: Mismatch[] = [{ field: 'stateRoot', expected: headerStateRoot.toLowerCase(), actual: result.root }]
  mismatches.push(...diffAgainstPostProofs(changes, prepared, txWrites, trie))
  return { state: 'mismatch', mismatches }
}

/**
 * Every account field and proven slot where our post-state differs from the block's proofs.
 * With anvil's trie an account that ceased to exist (or was only loaded) is an empty account.
 */
export function diffAgainstPostProofs(changes: StateChanges, prepared: PreparedWitness, txWrites: WriteSet[], trie: StateRootOptions = {}): Mismatch[] {
  const ours = new Map<string, AccountChange>(changes.map((c) => [c.address, c]))
  const before = new Map(prepared.pre.map((v) => [v.address.toLowerCase(), v]))
  const out: Mismatch[] = []
  for (const post of prepared.post) {
    const address = post.address.toLowerCase()
    const change = ours.get(address)
    const pre = before.get(address)
    let ourAccount = change ? change.account : pre?.account ?? null
    if (ourAccount === null && trie.trie === 'anvil' && (change !== undefined || trie.hints?.emptyAccounts.has(address))) {
      ourAccount = { nonce: 0n, balance: 0n, codeHash: KECCAK_EMPTY }
    }
    const theirs = post.account ?? null
    const field = (name: string, expected: string, actual: string): void => {
      if (expected !== actual) out.push({ field: `account.${name}`, account: address, expected, actual, tx: firstWriter(txWrites, address) })
    }
    field('exists', String(theirs !== null), String(ourAccount !== null))
    if (theirs && ourAccount) {
      field('nonce', theirs.nonce.toString(), ourAccount.nonce.toString())
      field('balance', theirs.balance.toString(), ourAccount.balance.toString())
      field('codeHash', theirs.codeHash, ourAccount.codeHash)
    }
    for (const [slot, expected] of post.storage) {
      const s = toWord(slot)
      const actual = change?.storage.get(s) ?? (change?.storageCleared ? toWord('0x0') : pre?.storage.get(s) ?? toWord('0x0'))
      if (toWord(expected) !== actual) {
        out.push({ field: 'storage', account: address, slot: s, expected: toWord(expected), actual, tx: firstWriter(txWrites, address, s) })
      }
    }
  }
  return out
}

/** The first transaction that wrote the account (or slot): where a wrong effect most likely began. */
function firstWriter(txWrites: WriteSet[], address: string, slot?: string): number | undefined {
  for (let i = 0; i < txWrites.length; i++) {
    const w = txWrites[i]!
    if (slot === undefined ? w.accounts.has(address) : w.storage.get(address)?.has(slot) || w.cleared.has(address)) return i
  }
  return undefined
}
