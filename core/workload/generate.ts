/**
 * generateWorkload: plan a deterministic mixed workload and mine it into a running anvil.
 */
import { forkRules, type ForkRules } from './forks.js'
import { feeCapsFor, mineBlock } from './mine.js'
import type { WorkloadModel } from './model.js'
import { planWorkload } from './plan.js'
import { createRpc } from './rpc.js'
import type { MinedBlock, WorkloadContracts } from './types.js'

export interface WorkloadProgress {
  blockNumber: number
  blocksDone: number
  blocksTotal: number
  /** Transactions in the block just mined. */
  txs: number
  note: string
}

export interface WorkloadOptions {
  /** Blocks to mine (at least SCRIPT_BLOCKS = 6). */
  blocks: number
  /** Default 1. Same seed + same starting chain = same transactions. */
  seed?: number
  /**
   * Seconds between block timestamps (default 12). Fixed spacing plus a fixed genesis timestamp
   * (startAnvil's `genesisTimestamp`) makes block hashes repeatable. null = anvil's wall clock.
   */
  blockTimeSeconds?: number | null
  onProgress?: (p: WorkloadProgress) => void
}

export interface WorkloadResult {
  fromBlock: number
  toBlock: number
  txCount: number
  fork: ForkRules
  chainId: number
  seed: number
  blocks: MinedBlock[]
  contracts: WorkloadContracts
  /** The workload's prediction of the final state (token balances, reserves, children, …). */
  model: WorkloadModel
}

/** The node is not in a state the workload can drive. */
export class WorkloadSetupError extends Error {
  override name = 'WorkloadSetupError'
}

interface NodeInfo {
  hardFork: string
  transactionOrder: string
}

interface HeadBlock {
  number: string
  timestamp: string
  baseFeePerGas?: string
}

export async function generateWorkload(rpcUrl: string, opts: WorkloadOptions): Promise<WorkloadResult> {
  const rpc = createRpc(rpcUrl)
  const seed = opts.seed ?? 1
  const blockTime = opts.blockTimeSeconds === undefined ? 12 : opts.blockTimeSeconds

  const info = await rpc.call<NodeInfo>('anvil_nodeInfo')
  const fork = forkRules(info.hardFork)
  if (info.transactionOrder.toLowerCase() !== 'fifo') {
    throw new WorkloadSetupError(`anvil orders its mempool by "${info.transactionOrder}"; the workload needs --order fifo (startAnvil's default)`)
  }
  const pool = await rpc.call<{ pending: string; queued: string }>('txpool_status')
  if (Number(pool.pending) !== 0 || Number(pool.queued) !== 0) {
    throw new WorkloadSetupError(`anvil has ${Number(pool.pending)} pending / ${Number(pool.queued)} queued transactions; they would land in the workload's blocks`)
  }
  const chainId = Number(await rpc.call<string>('eth_chainId'))
  const accounts = await rpc.call<string[]>('eth_accounts')
  const head = await rpc.call<HeadBlock>('eth_getBlockByNumber', ['latest', false])
  if (head.baseFeePerGas === undefined) throw new WorkloadSetupError('head block has no base fee (pre-london chain?)')
  const nonces = await Promise.all(
    accounts.map(async (a) => Number(await rpc.call<string>('eth_getTransactionCount', [a, 'latest']))),
  )
  const firstBlock = Number(head.number) + 1
  const plan = planWorkload({ accounts, nonces, firstBlock, seed, fork, blocks: opts.blocks })
  const caps = feeCapsFor(BigInt(head.baseFeePerGas))

  const automineBefore = await rpc.call<boolean>('anvil_getAutomine')
  await rpc.call('evm_setAutomine', [false])
  const mined: MinedBlock[] = []
  try {
    let timestamp = Number(head.timestamp)
    for (const [i, planned] of plan.blocks.entries()) {
      timestamp += blockTime ?? 0
      const block = await mineBlock(rpc, planned, {
        caps,
        expectNumber: firstBlock + i,
        ...(blockTime !== null ? { timestamp } : {}),
      })
      mined.push(block)
      opts.onProgress?.({ blockNumber: block.number, blocksDone: i + 1, blocksTotal: plan.blocks.length, txs: block.txs.length, note: block.note })
    }
  } finally {
    await rpc.call('evm_setAutomine', [automineBefore]).catch(() => undefined)
  }
  return {
    fromBlock: firstBlock,
    toBlock: firstBlock + mined.length - 1,
    txCount: mined.reduce((n, b) => n + b.txs.length, 0),
    fork,
    chainId,
    seed,
    blocks: mined,
    contracts: plan.contracts,
    model: plan.model,
  }
}
