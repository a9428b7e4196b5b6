/**
 * A block's receipts: `eth_getBlockReceipts`, else one `eth_getTransactionReceipt` per
 * transaction. Always checked against the header's receiptsRoot before use. A node that
 * cannot give them at all (it refuses both) leaves the block without stored receipts: replay
 * still checks receiptsRoot from its own execution.
 */
import type { Block } from '@ethereumjs/block'
import { bytesToHex } from '@ethereumjs/util'
import type { RpcClient } from './rpc-client.js'
import { RpcMethodNotFoundError } from './rpc-errors.js'
import type { Capabilities } from './capabilities.js'
import { isRefusal } from './state-source.js'
import { quantity, type RpcReceipt } from './rpc-types.js'
import { validateReceipts } from './validate.js'

export type ReceiptsResult = { receipts: RpcReceipt[] } | { unavailable: string }

export async function fetchReceipts(rpc: RpcClient, block: Block, caps: Capabilities): Promise<ReceiptsResult> {
  if (block.transactions.length === 0) return { receipts: await validateReceipts(block, [], 'eth_getBlockReceipts') }
  let refused = ''
  if (caps.blockReceipts !== false) {
    try {
      const r = await rpc.call<unknown>('eth_getBlockReceipts', [quantity(block.header.number)])
      caps.blockReceipts = true
      return { receipts: await validateReceipts(block, r, 'eth_getBlockReceipts') }
    } catch (e) {
      if (e instanceof RpcMethodNotFoundError) caps.blockReceipts = false
      else if (!isRefusal(e)) throw e
      refused = (e as Error).message
    }
  }
  const calls = block.transactions.map((tx) => ({ method: 'eth_getTransactionReceipt', params: [bytesToHex(tx.hash())] }))
  const settled = await rpc.batchSettled<unknown>(calls)
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    if (!isRefusal(failed.reason)) throw failed.reason
    return { unavailable: `${refused ? `${refused}; ` : ''}${(failed.reason as Error).message}` }
  }
  const list = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value)
  return { receipts: await validateReceipts(block, list, 'eth_getTransactionReceipt') }
}
