/**
 * Pure encoding of stored blobs (gzip'd JSON) and their decoding into replay inputs. No
 * database here, so a worker thread can decode the raw bytes it was handed.
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import { hexToBytes } from '@ethereumjs/util'
import type { AccountData } from '../core/types.js'
import { PreState, type PreAccount } from '../core/execute/prestate.js'
import { internCode } from '../core/execute/code-cache.js'
import type { RpcBlockJson } from '../core/execute/decode.js'
import type { OmmerInfo } from '../core/execute/block-executor.js'
import type { CanonicalReceipt } from '../core/verify/checks.js'

export const pack = (value: unknown): Buffer => gzipSync(JSON.stringify(value), { level: 6 })
export const unpack = <T>(blob: Uint8Array): T => JSON.parse(gunzipSync(blob).toString('utf8')) as T

/** Stored pre-state: accounts as [nonce, balance, codeHash, storageRoot?] (hex) or null (absent). */
export interface PreStateBlob {
  accounts: Record<string, [string, string, string, string?] | null>
  storage: Record<string, Record<string, string>>
}

export function encodePreState(accounts: Map<string, AccountData | null>, storage: Map<string, Map<string, string>>): PreStateBlob {
  const out: PreStateBlob = { accounts: {}, storage: {} }
  for (const [addr, a] of accounts) {
    out.accounts[addr] = a === null ? null
      : a.storageRoot ? ['0x' + a.nonce.toString(16), '0x' + a.balance.toString(16), a.codeHash, a.storageRoot]
      : ['0x' + a.nonce.toString(16), '0x' + a.balance.toString(16), a.codeHash]
  }
  for (const [addr, slots] of storage) if (slots.size > 0) out.storage[addr] = Object.fromEntries(slots)
  return out
}

/** The raw stored bytes of one block: what a worker is handed. */
export interface RawBlock {
  number: number
  body: Uint8Array
  prestate: Uint8Array
  codes: Array<[string, Uint8Array]>
  hashes: Array<[number, string]>
  ommers: Uint8Array | null
  receipts: Uint8Array | null
  witness: { kind: string; data: Uint8Array } | null
}

export interface LoadedBlock {
  number: number
  json: RpcBlockJson
  preState: PreState
  blockHashes: Map<bigint, Uint8Array>
  ommers?: OmmerInfo[]
  receipts?: CanonicalReceipt[]
  witness?: { kind: string; data: unknown }
}

export function decodeRawBlock(raw: RawBlock): LoadedBlock {
  const blob = unpack<PreStateBlob>(raw.prestate)
  const accounts = new Map<string, PreAccount | null>()
  for (const [addr, a] of Object.entries(blob.accounts)) {
    if (a === null) {
      accounts.set(addr, null)
      continue
    }
    const slots = blob.storage[addr]
    accounts.set(addr, {
      nonce: BigInt(a[0]),
      balance: BigInt(a[1]),
      codeHash: a[2],
      storageRoot: a[3],
      storage: slots ? new Map(Object.entries(slots)) : undefined,
    })
  }
  const codes = new Map<string, Uint8Array>(raw.codes.map(([h, c]) => [h, internCode(h, c)]))
  return {
    number: raw.number,
    json: unpack<RpcBlockJson>(raw.body),
    preState: new PreState(accounts, codes),
    blockHashes: new Map(raw.hashes.map(([n, h]) => [BigInt(n), hexToBytes(h as `0x${string}`)])),
    ommers: raw.ommers ? unpack<Array<{ number: string; coinbase: string }>>(raw.ommers).map((o) => ({ number: BigInt(o.number), coinbase: o.coinbase })) : undefined,
    receipts: raw.receipts ? unpack<CanonicalReceipt[]>(raw.receipts) : undefined,
    witness: raw.witness ? { kind: raw.witness.kind, data: unpack<unknown>(raw.witness.data) } : undefined,
  }
}
