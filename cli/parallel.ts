/**
 * Parallel replay, using the cores the way that measures best on the range at hand: a range
 * of at least as many blocks as workers runs on the inter-block pool (blocks are independent
 * given their stored pre-state: near-linear scaling); fewer blocks run through Block-STM inside
 * each block, with the workers as execution threads.
 */
import { blockStmExecute } from '../core/execute/parallel/index.js'
import { createReplayPool } from '../core/replay/pool.js'
import type { ReplayOptions } from '../core/replay/run-replay.js'
import { replayRawBlock, type BlockReport } from '../core/replay/replay-block.js'
import { chainRules } from '../core/execute/chain.js'
import type { Store } from '../storage/store.js'

export interface ParallelHooks {
  options: Pick<ReplayOptions, 'replayMany'>
  close(): Promise<void>
}

export async function parallelHooks(workers: number): Promise<ParallelHooks> {
  let pool: ReturnType<typeof createReplayPool> | undefined
  let stm: ReturnType<typeof blockStmExecute> | undefined
  async function* replayMany(numbers: number[], store: Store): AsyncIterable<BlockReport> {
    if (numbers.length >= workers) {
      pool ??= createReplayPool({ workers, intra: 'sequential' })
      yield* pool.replayMany(numbers, store)
      return
    }
    stm ??= blockStmExecute({ workers })
    const rules = chainRules(store.chain()!.profile)
    for (const n of numbers) yield await replayRawBlock(store.rawBlock(n), rules, stm)
  }
  return {
    options: { replayMany },
    close: async () => {
      await pool?.close()
      await stm?.close()
    },
  }
}
