/** The JSON shapes the fetcher reads from a node, and small hex helpers for building calls. */
import type { RpcBlockJson } from '../execute/decode.js'

export type { RpcBlockJson }

/** A block as `eth_getBlockByNumber(n, true)` returns it (fields the fetcher reads). */
export interface RpcBlock extends RpcBlockJson {
  parentHash: string
  stateRoot: string
  receiptsRoot: string
  transactionsRoot: string
  sha3Uncles: string
  miner: string
  gasUsed: string
  uncles: string[]
  withdrawals?: Array<{ address: string }>
}

export interface RpcLog {
  address: string
  topics: string[]
  data: string
}

export interface RpcReceipt {
  type?: string
  status?: string
  root?: string
  cumulativeGasUsed: string
  logsBloom: string
  logs: RpcLog[]
  transactionHash?: string
}

/** Block number → the 0x quantity nodes expect. */
export function quantity(n: number | bigint): string {
  return '0x' + n.toString(16)
}

export const ZERO_WORD = '0x' + '0'.repeat(64)

/** Storage key as 32-byte hex: some nodes (anvil) reject odd-length keys such as "0x0". */
export function slotWord(slot: string): string {
  return '0x' + slot.slice(2).toLowerCase().padStart(64, '0')
}
