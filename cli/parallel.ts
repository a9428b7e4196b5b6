/** Wires the parallel executor into replay: an inter-block worker pool with Block-STM inside. */
import type { ReplayOptions } from '../core/replay/run-replay.js'

export interface ParallelHooks {
  options: Partial<ReplayOptions>
  close(): Promise<void>
}

export async function parallelHooks(workers: number): Promise<ParallelHooks> {
  void workers
  // Until the pool lands, parallel mode runs the sequential engine (same results, no speedup).
  return { options: {}, close: async () => {} }
}
