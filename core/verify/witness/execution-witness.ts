/**
 * Reader for `debug_executionWitness` answers: {state: RLP trie nodes, codes: bytecodes,
 * headers: RLP headers}, as reth and geth return them. The state nodes form a partial trie
 * under the parent's state root; lookups walk it and throw MissingNodeError where the
 * witness does not reach (a witness only holds what the block touches).
 */
import { RLP, type NestedUint8Array } from '@ethereumjs/rlp'
import type { AccountData, StateView } from '../../types.js'
import { decodeAccount, decodeStorageValue, type AccountState } from './account.js'
import {
  EMPTY_TRIE_ROOT,
  KECCAK_EMPTY,
  ZERO_WORD,
  accountKey,
  bytesToBigint,
  bytesToHex,
  bytesToNibbles,
  hexToBytes,
  keccak256,
  storageKey,
  toWord,
} from './bytes.js'
import { WitnessError } from './errors.js'
import { NodeStore } from './node-store.js'
import { TrieResolver, rootNode, trieGet } from './partial-trie.js'
import type { StateWitness } from './state-root.js'
import type { TrieNode } from './node.js'

/** The JSON layout of `debug_executionWitness` (all 0x-hex). */
export interface ExecutionWitness {
  state: string[]
  codes: string[]
  headers: string[]
}

/** The fields of a witness header that a reader needs. */
export interface WitnessHeader {
  hash: string
  number: bigint
  stateRoot: string
}

const EMPTY_ROOT_BYTES = hexToBytes(EMPTY_TRIE_ROOT)

/** Decode the `headers` list (RLP block headers; stateRoot is field 3, number field 8). */
export function decodeWitnessHeaders(headers: string[]): WitnessHeader[] {
  return headers.map((hex) => {
    const bytes = hexToBytes(hex as `0x${string}`)
    let fields: Uint8Array | NestedUint8Array
    try {
      fields = RLP.decode(bytes)
    } catch (e) {
      throw new WitnessError(`witness header is not valid RLP: ${(e as Error).message}`)
    }
    if (!Array.isArray(fields) || fields.length < 15) throw new WitnessError('witness header is not an RLP header')
    const stateRoot = fields[3]
    const number = fields[8]
    if (!(stateRoot instanceof Uint8Array) || stateRoot.length !== 32 || !(number instanceof Uint8Array)) {
      throw new WitnessError('witness header has a malformed stateRoot or number')
    }
    return { hash: bytesToHex(keccak256(bytes)), number: bytesToBigint(number), stateRoot: bytesToHex(stateRoot) }
  })
}

/** The state root a block executes on: from the witness header whose hash is the block's parentHash. */
export function parentStateRoot(witness: ExecutionWitness, parentHash: string): string {
  const parent = decodeWitnessHeaders(witness.headers).find((h) => h.hash === parentHash.toLowerCase())
  if (parent === undefined) throw new WitnessError(`witness has no header with hash ${parentHash}`)
  return parent.stateRoot
}

/** Pre-state of a block read from an execution witness. */
export class ExecutionWitnessState implements StateView {
  readonly nodes: NodeStore
  private readonly codes = new Map<string, Uint8Array>()
  private readonly accounts = new Map<string, AccountState | undefined>()
  private readonly accountTrie: TrieResolver
  private readonly root: TrieNode | null

  constructor(
    witness: ExecutionWitness,
    /** The parent's state root (see parentStateRoot). */
    readonly stateRoot: string,
  ) {
    this.nodes = NodeStore.from(witness.state)
    for (const hex of witness.codes) {
      const code = hexToBytes(hex as `0x${string}`)
      this.codes.set(bytesToHex(keccak256(code)), code)
    }
    this.accountTrie = new TrieResolver('account', this.nodes)
    this.root = rootNode(hexToBytes(stateRoot as `0x${string}`), EMPTY_ROOT_BYTES)
  }

  /** Whether the witness holds the root node (every non-empty witness must). */
  hasRootNode(): boolean {
    return this.stateRoot === EMPTY_TRIE_ROOT || this.nodes.has(this.stateRoot)
  }

  /** The account with its storage root; undefined if absent. */
  getAccountState(address: string): AccountState | undefined {
    const a = address.toLowerCase()
    if (this.accounts.has(a)) return this.accounts.get(a)
    const leaf = trieGet(this.accountTrie, this.root, bytesToNibbles(accountKey(a)))
    const account = leaf === undefined ? undefined : decodeAccount(leaf)
    this.accounts.set(a, account)
    return account
  }

  getAccount(address: string): AccountData | undefined {
    const s = this.getAccountState(address)
    return s === undefined ? undefined : { nonce: s.nonce, balance: s.balance, codeHash: s.codeHash }
  }

  getStorage(address: string, slot: string): string {
    const account = this.getAccountState(address)
    if (account === undefined || account.storageRoot === EMPTY_TRIE_ROOT) return ZERO_WORD
    const r = new TrieResolver(address.toLowerCase(), this.nodes)
    const leaf = trieGet(r, rootNode(hexToBytes(account.storageRoot as `0x${string}`), EMPTY_ROOT_BYTES), bytesToNibbles(storageKey(slot)))
    return leaf === undefined ? ZERO_WORD : toWord(decodeStorageValue(leaf).toString(16))
  }

  getCode(codeHash: string): Uint8Array | undefined {
    const h = codeHash.toLowerCase()
    return h === KECCAK_EMPTY ? new Uint8Array(0) : this.codes.get(h)
  }

  /** The witness as input to computeStateRoot. */
  toStateWitness(): StateWitness {
    return { stateRoot: this.stateRoot, nodes: this.nodes }
  }
}
