/**
 * The parallel re-executor's public surface: Block-STM as an `ExecuteFn`, its statistics and
 * the schedule simulator, and synthetic blocks for tests and benches. The inter-block pool is
 * `core/replay/pool.ts`.
 */
export { blockStmExecute, BlockStmOptionsError, type BlockStmExecuteFn, type BlockStmOptions } from './block-stm.js'
export { BlockStmWorkerError } from './coordinator.js'
export type { PerturbOptions } from './perturbation.js'
export { criticalPath, criticalPathBound, type BlockStmStats, type DependencyGraph } from './stats.js'
export {
  DEFAULT_WORKER_COUNTS, median, simulateBlock, simulateCorpus, simulateMakespan, type BlockSimulation, type CorpusSimulation,
} from './simulator.js'
export { conflictHeavy, executionDigest, independentTransfers, senderChain, type SyntheticBlock } from './synthetic.js'
