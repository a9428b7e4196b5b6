/**
 * Sends a planned block's transactions to anvil (automine off), mines them with one evm_mine,
 * and checks the block holds exactly those transactions, in order, with the intended statuses.
 */
import { quantity } from './hex.js'
import type { Rpc } from './rpc.js'
import type { MinedBlock, Outcome, PlannedBlock, PlannedTx, SentTx } from './types.js'

/** The chain did not do what the plan says (wrong block contents, order or status). */
export class WorkloadMismatchError extends Error {
  override name = 'WorkloadMismatchError'
}

/** Fee caps for the whole run, derived from the base fee at the start. */
export interface FeeCaps {
  /** legacy / eip2930 gasPrice and eip1559 maxFeePerGas, before adding the tip. */
  feeCap: bigint
}

/** Caps at twice the base fee: the plan keeps blocks under the EIP-1559 target, so base fee never rises. */
export function feeCapsFor(baseFee: bigint): FeeCaps {
  return { feeCap: 2n * baseFee + 1_000_000_000n }
}

/** eth_sendTransaction request for anvil's unlocked accounts. */
export function toRpcTransaction(tx: PlannedTx, caps: FeeCaps): Record<string, unknown> {
  const req: Record<string, unknown> = {
    from: tx.from,
    nonce: quantity(tx.nonce),
    gas: quantity(tx.gas),
    value: quantity(tx.value),
    data: tx.data,
  }
  if (tx.to !== null) req.to = tx.to
  switch (tx.kind) {
    case 'legacy':
      req.type = '0x0'
      req.gasPrice = quantity(caps.feeCap + tx.tip)
      break
    case 'eip2930':
      req.type = '0x1'
      req.gasPrice = quantity(caps.feeCap + tx.tip)
      req.accessList = tx.accessList ?? []
      break
    case 'eip1559':
      req.type = '0x2'
      req.maxFeePerGas = quantity(caps.feeCap + tx.tip)
      req.maxPriorityFeePerGas = quantity(tx.tip)
      if (tx.accessList) req.accessList = tx.accessList
      break
  }
  return req
}

interface RpcBlock {
  number: string
  hash: string
  timestamp: string
  transactions: string[]
}

interface RpcReceipt {
  transactionHash: string
  transactionIndex: string
  status: string
  gasUsed: string
  type: string
  contractAddress?: string | null
}

const TYPE_BY_KIND = { legacy: '0x0', eip2930: '0x1', eip1559: '0x2' } as const

/** Differences between what was planned and what the block/receipts show (empty = fine). */
export function compareBlock(planned: PlannedBlock, hashes: string[], block: RpcBlock, receipts: RpcReceipt[]): string[] {
  const problems: string[] = []
  const got = block.transactions.map((h) => h.toLowerCase())
  if (got.length !== hashes.length || got.some((h, i) => h !== hashes[i])) {
    problems.push(
      `block ${Number(block.number)} holds ${got.length} txs, expected the ${hashes.length} sent, in order ` +
        `(is anvil running with --order fifo and nothing else sending?)`,
    )
    return problems
  }
  if (receipts.length !== hashes.length) problems.push(`block ${Number(block.number)}: ${receipts.length} receipts for ${hashes.length} txs`)
  receipts.forEach((r, i) => {
    const tx = planned.txs[i]!
    const status: Outcome = r.status === '0x1' ? 'success' : 'revert'
    if (status !== tx.expect) problems.push(`tx ${i} (${tx.label}, ${r.transactionHash}): ${status}, intended ${tx.expect}`)
    if (r.type !== TYPE_BY_KIND[tx.kind]) problems.push(`tx ${i} (${tx.label}): type ${r.type}, sent as ${tx.kind}`)
    if (tx.creates && tx.expect === 'success' && r.contractAddress?.toLowerCase() !== tx.creates) {
      problems.push(`tx ${i} (${tx.label}): created ${r.contractAddress}, planned ${tx.creates}`)
    }
  })
  return problems
}

export interface MineOptions {
  caps: FeeCaps
  /** Timestamp to give the block (evm_setNextBlockTimestamp); undefined = anvil's clock. */
  timestamp?: number
  /** Block number the block must get. */
  expectNumber: number
}

/** Sends the block's transactions, mines them into one block and verifies the result. */
export async function mineBlock(rpc: Rpc, planned: PlannedBlock, opts: MineOptions): Promise<MinedBlock> {
  const hashes: string[] = []
  for (const tx of planned.txs) {
    try {
      hashes.push((await rpc.call<string>('eth_sendTransaction', [toRpcTransaction(tx, opts.caps)])).toLowerCase())
    } catch (err) {
      // Leave the node clean for the caller: drop what was queued for this block.
      await rpc.call('anvil_dropAllTransactions').catch(() => undefined)
      throw new WorkloadMismatchError(
        `block ${opts.expectNumber} (${planned.note}): sending tx ${hashes.length} (${tx.label} from ${tx.from} nonce ${tx.nonce}) failed: ${(err as Error).message}`,
      )
    }
  }
  if (opts.timestamp !== undefined) await rpc.call('evm_setNextBlockTimestamp', [quantity(opts.timestamp)])
  await rpc.call('evm_mine')
  const block = await rpc.call<RpcBlock>('eth_getBlockByNumber', [quantity(opts.expectNumber), false])
  if (!block) throw new WorkloadMismatchError(`block ${opts.expectNumber} was not mined (evm_mine produced another number?)`)
  const receipts = await rpc.call<RpcReceipt[]>('eth_getBlockReceipts', [quantity(opts.expectNumber)])
  const problems = compareBlock(planned, hashes, block, receipts ?? [])
  if (problems.length > 0) {
    throw new WorkloadMismatchError(`block ${opts.expectNumber} (${planned.note}):\n  ${problems.join('\n  ')}`)
  }
  const number = Number(block.number)
  const txs: SentTx[] = planned.txs.map((tx, i) => ({
    ...tx,
    hash: hashes[i]!,
    blockNumber: number,
    index: i,
    status: receipts[i]!.status === '0x1' ? 'success' : 'revert',
    gasUsed: BigInt(receipts[i]!.gasUsed),
  }))
  return { number, hash: block.hash, timestamp: Number(block.timestamp), note: planned.note, txs }
}
