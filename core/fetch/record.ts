/**
 * A fetched block as the store keeps it. Everything is put in a canonical order (sorted
 * addresses, slots, hashes), so fetching the same block twice gives byte-identical rows.
 */
import { bytesToHex } from '@ethereumjs/util'
import type { AccountData } from '../types.js'
import { EMPTY_CODE_HASH, ZERO_WORD } from '../execute/state-layer.js'
import { encodePreState } from '../../storage/codec.js'
import type { BlockRecord } from '../../storage/store.js'
import type { LazyState } from './lazy-state.js'
import type { RpcBlock, RpcReceipt } from './rpc-types.js'
import type { StoredOmmer } from './ommers.js'

export interface RecordParts {
  json: RpcBlock
  state: LazyState
  /** readPreState(state), when the caller has it already. */
  pre?: PreStateReads
  ommers: StoredOmmer[]
  receipts?: RpcReceipt[]
  witness?: { kind: string; data: unknown }
  trace?: unknown
  source: string
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export interface PreStateReads {
  accounts: Map<string, AccountData | null>
  /** Non-zero values of the slots read. */
  storage: Map<string, Map<string, string>>
  /** Every slot read, by account (every account read is a key). */
  reads: Map<string, Set<string>>
}

/** The accounts and slots the complete run read, with their values at the parent. */
export function readPreState(state: LazyState): PreStateReads {
  const accounts = new Map<string, AccountData | null>()
  const storage = new Map<string, Map<string, string>>()
  const reads = new Map<string, Set<string>>()
  const readSlots = state.readSlots
  for (const address of [...state.readAccounts].sort(byKey)) {
    if (!state.accounts.has(address)) throw new Error(`internal: ${address} read but not loaded`)
    accounts.set(address, state.accounts.get(address)!)
    const slots = [...(readSlots.get(address) ?? [])].sort(byKey)
    reads.set(address, new Set(slots))
    const values = new Map<string, string>()
    for (const slot of slots) {
      const v = state.storage.get(address)?.get(slot) ?? ZERO_WORD
      if (v !== ZERO_WORD) values.set(slot, v)
    }
    if (values.size > 0) storage.set(address, values)
  }
  return { accounts, storage, reads }
}

export function buildRecord(p: RecordParts): BlockRecord {
  const { json, state } = p
  const { accounts, storage } = p.pre ?? readPreState(state)
  const codes = new Map<string, Uint8Array>()
  // Code of every account in the pre-state, not only what ran: a speculative (parallel)
  // execution may call into it on a path the real block does not take.
  for (const hash of [...new Set([...accounts.values()].flatMap((a) => (a && a.codeHash !== EMPTY_CODE_HASH ? [a.codeHash] : [])))].sort(byKey)) {
    const code = state.codes.get(hash)
    if (!code) throw new Error(`internal: code ${hash} not loaded`)
    codes.set(hash, code)
  }
  const number = Number(BigInt(json.number))
  const hashes = new Map<number, string>([[number - 1, json.parentHash.toLowerCase()]])
  for (const n of [...state.readHashes].sort((a, b) => a - b)) hashes.set(n, bytesToHex(state.hashes.get(n)!))
  return {
    number,
    hash: json.hash.toLowerCase(),
    parentHash: json.parentHash.toLowerCase(),
    timestamp: Number(BigInt(json.timestamp)),
    txCount: json.transactions.length,
    gasUsed: Number(BigInt(json.gasUsed)),
    body: json,
    prestate: encodePreState(accounts, storage),
    codes,
    hashes,
    ommers: p.ommers.length > 0 ? p.ommers : undefined,
    receipts: p.receipts,
    witness: p.witness,
    trace: p.trace,
    source: p.source,
  }
}
