/**
 * Our state manager under @ethereumjs `runTx`: one transaction's writes as plain maps over a
 * read-only `StateView`, with per-call-frame journaling (undo records, never map copies) and
 * tombstones for deleted accounts and wiped storage. `beginTx(view)` / `endTx()` bracket each
 * transaction; `endTx` hands back its exact write set. Reads go to the view, which may record
 * them (the read set) — reads served from the transaction's own writes are not reads.
 */
import { Account, KECCAK256_NULL, KECCAK256_RLP, bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { Address } from '@ethereumjs/util'
import type { AccountFields, StateManagerInterface } from '@ethereumjs/common'
import { keccak256 } from './crypto.js'
import type { AccountData, StateView } from '../types.js'

export const EMPTY_CODE_HASH = bytesToHex(KECCAK256_NULL)
export const EMPTY_STORAGE_ROOT = bytesToHex(KECCAK256_RLP)
export const ZERO_WORD = '0x' + '00'.repeat(32)
const EMPTY = new Uint8Array(0)
/** A stand-in root for "has storage" when the real root is unknown (only emptiness is ever asked). */
const NON_EMPTY_ROOT = new Uint8Array(32).fill(0xee)

export class MissingStateError extends Error {
  override name = 'MissingStateError'
}

/** The effect of one transaction (or of block-level steps) on state. */
export interface WriteSet {
  /** Final account values; null = deleted. */
  accounts: Map<string, AccountData | null>
  /** Storage wiped (self-destruct, re-creation) before the writes in `storage` apply. */
  cleared: Set<string>
  /** address → slot (32-byte hex) → value (32-byte hex). */
  storage: Map<string, Map<string, string>>
  /** New code by hash. */
  code: Map<string, Uint8Array>
}

type Undo =
  | { t: 'a'; key: string; had: boolean; prev: AccountData | null | undefined }
  | { t: 's'; key: string; slot: string; prev: Uint8Array | undefined }
  | { t: 'c'; key: string; wasCleared: boolean; prevSlots: Map<string, Uint8Array> | undefined }

const hashBytesCache = new Map<string, Uint8Array>()
function hashBytes(hex: string): Uint8Array {
  let b = hashBytesCache.get(hex)
  if (!b) {
    b = hexToBytes(hex as `0x${string}`)
    if (hashBytesCache.size < 100_000) hashBytesCache.set(hex, b)
  }
  return b
}

/** "0x…" 32-byte hex → stripped bytes, as the EVM compares them (zero = empty). */
export function wordToBytes(hex: string): Uint8Array {
  let i = 2
  while (i < hex.length && hex.charCodeAt(i) === 48 /* '0' */) i++
  if (i === hex.length) return EMPTY
  const body = hex.slice(i)
  return hexToBytes(('0x' + (body.length % 2 ? '0' + body : body)) as `0x${string}`)
}

/** Stripped bytes → 32-byte "0x…" hex. */
export function bytesToWord(b: Uint8Array): string {
  if (b.length === 0) return ZERO_WORD
  const h = bytesToHex(b).slice(2)
  return '0x' + h.padStart(64, '0')
}

export class StateLayer implements StateManagerInterface {
  private view!: StateView
  private accounts = new Map<string, AccountData | null>()
  private storage = new Map<string, Map<string, Uint8Array>>()
  private cleared = new Set<string>()
  private code = new Map<string, Uint8Array>()
  private journal: Undo[] = []
  private marks: number[] = []
  /** Called for `getStateRoot()` (receipts before Byzantium); null = not computable here. */
  stateRootHook: (() => Uint8Array) | null = null

  readonly originalStorageCache = {
    // A transaction's layer starts empty, so the value at transaction start is the view's.
    get: async (address: Address, key: Uint8Array): Promise<Uint8Array> =>
      wordToBytes(this.view.getStorage(address.toString(), bytesToHex(key))),
    clear: (): void => {},
  }

  beginTx(view: StateView): void {
    this.view = view
    this.accounts = new Map()
    this.storage = new Map()
    this.cleared = new Set()
    this.code = new Map()
    this.journal.length = 0
    this.marks.length = 0
  }

  /** The transaction's writes so far, without ending it (copies). */
  peekWrites(): WriteSet {
    return { accounts: new Map(this.accounts), cleared: new Set(this.cleared), storage: this.storageWords(), code: new Map(this.code) }
  }

  private storageWords(): Map<string, Map<string, string>> {
    const storage = new Map<string, Map<string, string>>()
    for (const [addr, slots] of this.storage) {
      const out = new Map<string, string>()
      for (const [slot, v] of slots) out.set(slot, bytesToWord(v))
      storage.set(addr, out)
    }
    return storage
  }

  /** The transaction's writes; the layer is empty afterwards until the next `beginTx`. */
  endTx(): WriteSet {
    const ws: WriteSet = { accounts: this.accounts, cleared: this.cleared, storage: this.storageWords(), code: this.code }
    this.accounts = new Map()
    this.storage = new Map()
    this.cleared = new Set()
    this.code = new Map()
    return ws
  }

  /** The current value of an account as this layer sees it (own writes, then the view). */
  peekAccount(key: string): AccountData | undefined {
    const own = this.accounts.get(key)
    if (own !== undefined) return own ?? undefined
    if (this.accounts.has(key)) return undefined
    return this.view.getAccount(key)
  }

  private hasStorage(key: string, data: AccountData): boolean {
    const slots = this.storage.get(key)
    if (slots) for (const v of slots.values()) if (v.length > 0) return true
    if (this.cleared.has(key)) return false
    return data.storageRoot !== undefined && data.storageRoot !== EMPTY_STORAGE_ROOT
  }

  async getAccount(address: Address): Promise<Account | undefined> {
    const key = address.toString()
    const data = this.peekAccount(key)
    if (data === undefined) return undefined
    // A fresh object every time: the EVM mutates nonce and balance in place.
    return new Account(
      data.nonce,
      data.balance,
      this.hasStorage(key, data) ? NON_EMPTY_ROOT : KECCAK256_RLP,
      hashBytes(data.codeHash),
    )
  }

  private setAccount(key: string, value: AccountData | null): void {
    const had = this.accounts.has(key)
    if (this.marks.length > 0) this.journal.push({ t: 'a', key, had, prev: this.accounts.get(key) })
    this.accounts.set(key, value)
  }

  async putAccount(address: Address, account?: Account): Promise<void> {
    if (account === undefined) return this.deleteAccount(address)
    const key = address.toString()
    const prev = this.peekAccount(key)
    this.setAccount(key, {
      nonce: account.nonce,
      balance: account.balance,
      codeHash: bytesToHex(account.codeHash),
      storageRoot: prev?.storageRoot,
    })
  }

  async deleteAccount(address: Address): Promise<void> {
    const key = address.toString()
    this.setAccount(key, null)
    this.wipeStorage(key)
  }

  async modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    const account = (await this.getAccount(address)) ?? new Account()
    if (fields.nonce !== undefined) account.nonce = fields.nonce
    if (fields.balance !== undefined) account.balance = fields.balance
    if (fields.codeHash !== undefined) account.codeHash = fields.codeHash
    await this.putAccount(address, account)
  }

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const hash = value.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(value))
    if (value.length > 0) this.code.set(hash, value)
    const key = address.toString()
    const prev = this.peekAccount(key)
    this.setAccount(key, {
      nonce: prev?.nonce ?? 0n,
      balance: prev?.balance ?? 0n,
      codeHash: hash,
      storageRoot: prev?.storageRoot,
    })
  }

  async getCode(address: Address): Promise<Uint8Array> {
    const key = address.toString()
    const data = this.peekAccount(key)
    if (data === undefined || data.codeHash === EMPTY_CODE_HASH) return EMPTY
    const code = this.code.get(data.codeHash) ?? this.view.getCode(data.codeHash)
    if (code === undefined) throw new MissingStateError(`code ${data.codeHash} of ${key} is not in the pre-state`)
    return code
  }

  async getCodeSize(address: Address): Promise<number> {
    return (await this.getCode(address)).length
  }

  async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    const addr = address.toString()
    const slot = bytesToHex(key)
    const own = this.storage.get(addr)?.get(slot)
    if (own !== undefined) return own
    if (this.cleared.has(addr) || this.accounts.get(addr) === null) return EMPTY
    return wordToBytes(this.view.getStorage(addr, slot))
  }

  async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const addr = address.toString()
    const slot = bytesToHex(key)
    let slots = this.storage.get(addr)
    if (!slots) {
      slots = new Map()
      this.storage.set(addr, slots)
    }
    let i = 0
    while (i < value.length && value[i] === 0) i++
    const v = i === 0 ? value : value.subarray(i)
    if (this.marks.length > 0) this.journal.push({ t: 's', key: addr, slot, prev: slots.get(slot) })
    slots.set(slot, v)
  }

  async clearStorage(address: Address): Promise<void> {
    this.wipeStorage(address.toString())
  }

  private wipeStorage(key: string): void {
    if (this.marks.length > 0) {
      this.journal.push({ t: 'c', key, wasCleared: this.cleared.has(key), prevSlots: this.storage.get(key) })
    }
    this.cleared.add(key)
    this.storage.delete(key)
  }

  async checkpoint(): Promise<void> {
    this.marks.push(this.journal.length)
  }

  async commit(): Promise<void> {
    this.marks.pop()
    // At depth 0 nothing can be reverted any more: drop the undo records.
    if (this.marks.length === 0) this.journal.length = 0
  }

  async revert(): Promise<void> {
    const mark = this.marks.pop()
    if (mark === undefined) throw new Error('revert without checkpoint')
    for (let i = this.journal.length - 1; i >= mark; i--) {
      const u = this.journal[i]!
      if (u.t === 'a') {
        if (u.had) this.accounts.set(u.key, u.prev!)
        else this.accounts.delete(u.key)
      } else if (u.t === 's') {
        const slots = this.storage.get(u.key)
        if (!slots) continue
        if (u.prev === undefined) slots.delete(u.slot)
        else slots.set(u.slot, u.prev)
      } else {
        if (!u.wasCleared) this.cleared.delete(u.key)
        if (u.prevSlots) this.storage.set(u.key, u.prevSlots)
        else this.storage.delete(u.key)
      }
    }
    this.journal.length = mark
  }

  async getStateRoot(): Promise<Uint8Array> {
    if (this.stateRootHook) return this.stateRootHook()
    // Only asked for pre-Byzantium receipts; those roots are reported "unchecked" without a witness.
    return new Uint8Array(32)
  }

  async setStateRoot(): Promise<void> {
    throw new Error('StateLayer has no state roots')
  }

  async hasStateRoot(): Promise<boolean> {
    return false
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    throw new Error('StateLayer cannot be copied')
  }
}
