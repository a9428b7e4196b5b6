/**
 * The complete state of a test chain, as an immutable value: applying a block's changes yields a
 * new state that shares every untouched account (and its cached storage root) with the old one,
 * so side chains can branch from any block. Its Merkle root is built in one pass over the sorted
 * hashed keys (the same trie @ethereumjs/mpt builds, which the tests compare it with).
 */
import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from '../../execute/crypto.js'
import type { AccountData, StateChanges, StateView } from '../../types.js'
import { EMPTY_CODE_HASH, EMPTY_STORAGE_ROOT, ZERO_WORD, wordToBytes } from '../../execute/state-layer.js'
import { toAddress, toWord } from '../../execute/prestate.js'
import type { FixtureAccount } from './fixture.js'
import { trieRoot } from '../trie-root.js'

/** Root of a secure trie: keys are already hashed (32 bytes each), values RLP-ready bytes. */
export const hashedTrieRoot = trieRoot

const keyHashes = new Map<string, Uint8Array>()
/** keccak of an address or slot (hex), cached: the same keys recur in every block's root. */
function hashedKey(hex: string): Uint8Array {
  let h = keyHashes.get(hex)
  if (!h) {
    h = keccak256(hexToBytes(hex as `0x${string}`))
    if (keyHashes.size > 500_000) keyHashes.clear()
    keyHashes.set(hex, h)
  }
  return h
}

/** One account; never mutated once built (its storage root is computed at most once). */
interface Entry {
  readonly nonce: bigint
  readonly balance: bigint
  readonly codeHash: string
  /** Slot → non-zero value (32-byte hex). */
  readonly storage: ReadonlyMap<string, string>
  root?: Uint8Array
}

function storageRoot(e: Entry): Uint8Array {
  if (!e.root) {
    const entries: Array<[Uint8Array, Uint8Array]> = []
    for (const [slot, v] of e.storage) entries.push([hashedKey(slot), RLP.encode(wordToBytes(v))])
    e.root = hashedTrieRoot(entries)
  }
  return e.root
}

function accountRlp(e: Entry): Uint8Array {
  return RLP.encode([
    bigIntToUnpaddedBytes(e.nonce), bigIntToUnpaddedBytes(e.balance), storageRoot(e), hexToBytes(e.codeHash as `0x${string}`),
  ])
}

export class FullState implements StateView {
  private rootCache?: Uint8Array

  private constructor(
    private readonly accounts: ReadonlyMap<string, Entry>,
    /** Code by hash: content-addressed, so one map serves every state of a test. */
    private readonly codes: Map<string, Uint8Array>,
  ) {}

  /** From fixture JSON (`pre` / `postState`): every account of the state. */
  static fromJson(json: Record<string, FixtureAccount>): FullState {
    const accounts = new Map<string, Entry>()
    const codes = new Map<string, Uint8Array>()
    for (const [addr, a] of Object.entries(json)) {
      const storage = new Map<string, string>()
      for (const [k, v] of Object.entries(a.storage ?? {})) {
        const w = toWord(v)
        if (w !== ZERO_WORD) storage.set(toWord(k), w)
      }
      let codeHash = EMPTY_CODE_HASH
      if (a.code && a.code !== '0x') {
        const code = hexToBytes(a.code as `0x${string}`)
        codeHash = bytesToHex(keccak256(code))
        codes.set(codeHash, code)
      }
      accounts.set(toAddress(addr), { nonce: BigInt(a.nonce ?? 0), balance: BigInt(a.balance ?? 0), codeHash, storage })
    }
    return new FullState(accounts, codes)
  }

  getAccount(address: string): AccountData | undefined {
    const e = this.accounts.get(address)
    if (!e) return undefined
    // The state layer asks whether storage is empty (CREATE collisions); the root is cached per entry.
    const root = e.storage.size === 0 ? EMPTY_STORAGE_ROOT : bytesToHex(storageRoot(e))
    return { nonce: e.nonce, balance: e.balance, codeHash: e.codeHash, storageRoot: root }
  }

  getCode(codeHash: string): Uint8Array | undefined {
    return this.codes.get(codeHash)
  }

  getStorage(address: string, slot: string): string {
    return this.accounts.get(address)?.storage.get(slot) ?? ZERO_WORD
  }

  get size(): number {
    return this.accounts.size
  }

  addresses(): string[] {
    return [...this.accounts.keys()].sort()
  }

  /** A new state with a block's (or a transaction prefix's) changes applied; this one is unchanged. */
  apply(changes: StateChanges): FullState {
    const accounts = new Map(this.accounts)
    for (const c of changes) {
      if (c.account === null) {
        accounts.delete(c.address)
        continue
      }
      const prev = accounts.get(c.address)
      let storage: ReadonlyMap<string, string> = c.storageCleared || !prev ? new Map() : prev.storage
      if (c.storage.size > 0) {
        const next = new Map(storage)
        for (const [slot, v] of c.storage) {
          if (v === ZERO_WORD) next.delete(slot)
          else next.set(slot, v)
        }
        storage = next
      }
      if (c.code) this.codes.set(c.account.codeHash, c.code)
      const keepRoot = prev !== undefined && storage === prev.storage
      accounts.set(c.address, {
        nonce: c.account.nonce, balance: c.account.balance, codeHash: c.account.codeHash, storage,
        root: keepRoot ? prev.root : undefined,
      })
    }
    return new FullState(accounts, this.codes)
  }

  stateRoot(): Uint8Array {
    if (!this.rootCache) {
      const entries: Array<[Uint8Array, Uint8Array]> = []
      for (const [addr, e] of this.accounts) entries.push([hashedKey(addr), accountRlp(e)])
      this.rootCache = hashedTrieRoot(entries)
    }
    return this.rootCache
  }

  /** Differences against an expected state, one line each (at most `limit`). */
  diff(expected: FullState, limit = 5): string[] {
    const out: string[] = []
    const all = new Set([...this.accounts.keys(), ...expected.accounts.keys()])
    for (const addr of [...all].sort()) {
      const a = this.accounts.get(addr)
      const e = expected.accounts.get(addr)
      if (!a || !e) {
        out.push(`${addr}: ${a ? 'exists' : 'absent'}, expected ${e ? 'to exist' : 'absent'}`)
      } else {
        if (a.nonce !== e.nonce) out.push(`${addr} nonce ${a.nonce}, expected ${e.nonce}`)
        if (a.balance !== e.balance) out.push(`${addr} balance ${a.balance}, expected ${e.balance}`)
        if (a.codeHash !== e.codeHash) out.push(`${addr} code hash ${a.codeHash}, expected ${e.codeHash}`)
        const slots = new Set([...a.storage.keys(), ...e.storage.keys()])
        for (const s of [...slots].sort()) {
          const av = a.storage.get(s) ?? ZERO_WORD
          const ev = e.storage.get(s) ?? ZERO_WORD
          if (av !== ev) out.push(`${addr} slot ${s} = ${av}, expected ${ev}`)
        }
      }
      if (out.length >= limit) break
    }
    return out.slice(0, limit)
  }
}
