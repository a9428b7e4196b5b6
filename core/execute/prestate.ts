/**
 * An in-memory `StateView` over explicit pre-state: what the store loads for a block, what
 * fixture documents and conformance tests carry. Keys are normalised once, on construction.
 */
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256 } from './crypto.js'
import type { AccountData, StateView } from '../types.js'
import { EMPTY_CODE_HASH, ZERO_WORD } from './state-layer.js'

export interface PreAccount {
  balance: bigint
  nonce: bigint
  /** Code bytes, or a hash resolvable through the code map. */
  code?: Uint8Array
  codeHash?: string
  storage?: Map<string, string>
  storageRoot?: string
}

/** Any-length hex quantity → 32-byte word hex. */
export function toWord(hex: string): string {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (body.length > 64) throw new Error(`storage word longer than 32 bytes: ${hex}`)
  return '0x' + body.toLowerCase().padStart(64, '0')
}

export function toAddress(hex: string): string {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (!/^[0-9a-fA-F]{40}$/.test(body)) throw new Error(`not an address: ${hex}`)
  return '0x' + body.toLowerCase()
}

export function codeHashOf(code: Uint8Array): string {
  return code.length === 0 ? EMPTY_CODE_HASH : bytesToHex(keccak256(code))
}

/** Stands for "some non-empty storage root" where the real one is unknown. */
const NON_EMPTY_STORAGE = '0x' + 'ee'.repeat(32)

export class PreState implements StateView {
  private accounts = new Map<string, AccountData>()
  private storage = new Map<string, Map<string, string>>()
  private codes = new Map<string, Uint8Array>()

  /** `accounts`: address → account, or null for an account known to be absent. */
  constructor(accounts: Map<string, PreAccount | null>, codes?: Map<string, Uint8Array>) {
    if (codes) for (const [h, c] of codes) this.codes.set(h, c)
    for (const [address, acc] of accounts) {
      if (acc === null) continue
      let codeHash = acc.codeHash ?? EMPTY_CODE_HASH
      if (acc.code && acc.code.length > 0) {
        codeHash = codeHashOf(acc.code)
        this.codes.set(codeHash, acc.code)
      }
      // Only emptiness of an unknown root is ever asked (EIP-7610 collisions): mark non-empty storage.
      const storageRoot = acc.storageRoot ?? (acc.storage && acc.storage.size > 0 ? NON_EMPTY_STORAGE : undefined)
      this.accounts.set(address, { nonce: acc.nonce, balance: acc.balance, codeHash, storageRoot })
      if (acc.storage && acc.storage.size > 0) this.storage.set(address, acc.storage)
    }
  }

  getAccount(address: string): AccountData | undefined {
    return this.accounts.get(address)
  }

  getCode(codeHash: string): Uint8Array | undefined {
    return this.codes.get(codeHash)
  }

  getStorage(address: string, slot: string): string {
    return this.storage.get(address)?.get(slot) ?? ZERO_WORD
  }

  /** Every account, for building a full trie (conformance) or storing. */
  entries(): IterableIterator<[string, AccountData]> {
    return this.accounts.entries()
  }

  storageOf(address: string): Map<string, string> | undefined {
    return this.storage.get(address)
  }
}

/** Parse the JSON pre-state of fixtures and tracers: `{addr: {balance, nonce, code?, storage?} | null}`. */
export function preStateFromJson(json: Record<string, unknown>): PreState {
  const accounts = new Map<string, PreAccount | null>()
  for (const [addr, raw] of Object.entries(json)) {
    const address = toAddress(addr)
    if (raw === null) {
      accounts.set(address, null)
      continue
    }
    const a = raw as { balance?: string; nonce?: number | string; code?: string; storage?: Record<string, string> }
    const storage = new Map<string, string>()
    for (const [k, v] of Object.entries(a.storage ?? {})) {
      const w = toWord(v)
      if (w !== ZERO_WORD) storage.set(toWord(k), w)
    }
    accounts.set(address, {
      balance: BigInt(a.balance ?? 0),
      nonce: BigInt(a.nonce ?? 0),
      code: a.code && a.code !== '0x' ? hexToBytes(a.code as `0x${string}`) : undefined,
      storage,
    })
  }
  return new PreState(accounts)
}
