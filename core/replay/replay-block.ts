/**
 * One stored block, end to end and pure: decode its raw stored bytes, recover senders,
 * execute, verify against the header. The same function runs in the main thread and in
 * pool workers; the caller records the report.
 */
import { Hardfork } from '@ethereumjs/common'
import type { ChainRules } from '../execute/chain.js'
import { decodeBlock } from '../execute/decode.js'
import type { BlockExecution, BlockExecutor, BlockInput } from '../execute/block-executor.js'
import { decodeRawBlock, type LoadedBlock, type RawBlock } from '../../storage/codec.js'
import { verifyBlock, type CheckState, type Mismatch } from '../verify/checks.js'

export interface BlockStats {
  executions: number
  aborts: number
  reexecutions: number
  validationFailures: number
  /** Critical-path speedup bound of the block's dependency graph (by gas), when measured. */
  criticalPathBound?: number
  [key: string]: unknown
}

export interface BlockReport {
  number: number
  hash: string
  txs: number
  gasUsed: number
  checks: Record<string, CheckState>
  unchecked: Record<string, string>
  digest: string
  mismatches: Mismatch[]
  seconds: { load: number; recover: number; execute: number; verify: number; total: number }
  stats: BlockStats
}

/** How a block's transactions are executed: sequentially, or by Block-STM. */
export type ExecuteFn = (input: BlockInput) => Promise<{ execution: BlockExecution; stats: BlockStats }>

export function sequentialExecute(executor: BlockExecutor): ExecuteFn {
  return async (input) => {
    const execution = await executor.execute(input)
    const n = execution.txs.length
    return { execution, stats: { executions: n, aborts: 0, reexecutions: 0, validationFailures: 0 } }
  }
}

export async function replayRawBlock(raw: RawBlock, rules: ChainRules, execute: ExecuteFn): Promise<BlockReport> {
  const t0 = performance.now()
  const loaded = decodeRawBlock(raw)
  return replayLoadedBlock(loaded, rules, execute, (performance.now() - t0) / 1000)
}

export async function replayLoadedBlock(loaded: LoadedBlock, rules: ChainRules, execute: ExecuteFn, loadSeconds = 0): Promise<BlockReport> {
  const t0 = performance.now()
  const decoded = decodeBlock(loaded.json, rules)
  const { block } = decoded
  const t1 = performance.now()
  const { execution, stats } = await execute({
    block,
    preState: loaded.preState,
    blockHash: (n) => loaded.blockHashes.get(n),
    ommerCount: loaded.json.uncles?.length ?? 0,
    ommers: loaded.ommers,
    rewards: rules.paysRewards(block.common),
    daoFork: rules.daoForkBlock === block.header.number && block.common.hardforkIsActiveOnBlock(Hardfork.Dao, block.header.number),
  })
  const t2 = performance.now()
  const verdict = await verifyBlock({
    rpcHash: loaded.json.hash,
    block,
    execution,
    senderMismatches: decoded.senderMismatches,
    canonicalReceipts: loaded.receipts,
    intermediateRoots: false,
  })
  const t3 = performance.now()
  return {
    number: loaded.number,
    hash: loaded.json.hash.toLowerCase(),
    txs: block.transactions.length,
    gasUsed: Number(execution.gasUsed),
    checks: verdict.checks,
    unchecked: verdict.unchecked,
    digest: verdict.digest,
    mismatches: verdict.mismatches,
    seconds: {
      load: loadSeconds,
      recover: decoded.recoverSeconds,
      execute: (t2 - t1) / 1000,
      verify: (t3 - t2) / 1000,
      total: loadSeconds + (t3 - t0) / 1000,
    },
    stats,
  }
}
