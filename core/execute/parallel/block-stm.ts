/**
 * Block-STM as an `ExecuteFn`: the block's system steps run sequentially on the coordinator
 * (`BlockExecutor.beginBlock` / `finishBlock`, exactly as the sequential executor runs them),
 * and the transactions in between run speculatively on `workers` execution threads, committed
 * in order. Results are identical to `sequentialExecute`; only the time differs.
 */
import { BlockExecutor, type BlockExecution, type BlockInput, type ExecuteOptions } from '../block-executor.js'
import { kzgReady } from '../crypto.js'
import type { BlockStats, ExecuteFn } from '../../replay/replay-block.js'
import { BlockSession, announce, release } from './coordinator.js'
import { InlineLane, ThreadLane, wirePeers, type Lane, type ThreadLaneOptions } from './lanes.js'
import { Perturbation, type PerturbOptions } from './perturbation.js'
import { blockStmStats, type BlockStmStats } from './stats.js'
import { blockTask } from './transfer.js'

export interface BlockStmOptions {
  /** Execution workers (threads). */
  workers: number
  /** Run all the workers' executors in this thread instead (no parallelism; for tests and debugging). */
  inline?: boolean
  /**
   * How many of the `workers` run in the coordinator's own thread (default 0): one thread
   * fewer, but the coordinator answers only between its own tasks (measured on 2 cores: no
   * better than all workers in threads).
   */
  inlineWorkers?: number
  /** Execution tasks in flight per worker (default 2: the next waits in the worker's queue). */
  prefetch?: number
  /** Stress mode: seeded scheduling perturbations (the seed is mixed with each block number). */
  perturb?: PerturbOptions
  /** Keep each block's dependency graph in its stats (for the simulator). */
  keepGraph?: boolean
  /** Worker thread settings (V8 heap limits, flags). */
  thread?: ThreadLaneOptions
}

export type BlockStmExecuteFn = ExecuteFn & {
  /** Stops the execution workers. */
  close(): Promise<void>
  /** Stress mode: perturb the following blocks' schedules with these options (undefined: none). */
  setPerturbation(perturb: PerturbOptions | undefined): void
}

const round = (ms: number): number => Math.round(ms * 100) / 100

export class BlockStmOptionsError extends Error {
  override name = 'BlockStmOptionsError'
}

export function blockStmExecute(opts: BlockStmOptions): BlockStmExecuteFn {
  if (!Number.isInteger(opts.workers) || opts.workers < 1) {
    throw new BlockStmOptionsError(`workers must be a positive integer, got ${opts.workers}`)
  }
  const executor = new BlockExecutor()
  let lanes: Lane[] = []
  let blockId = 0
  let queue: Promise<unknown> = Promise.resolve()
  let perturbOpts = opts.perturb

  const ensureLanes = (): Lane[] => {
    const before = lanes
    lanes = lanes.map((l, i) => (l.dead ? makeLane(i) : l))
    while (lanes.length < opts.workers) lanes.push(makeLane(lanes.length))
    if (lanes.some((l, i) => l !== before[i])) wirePeers(lanes)
    return lanes
  }
  const inlineCount = opts.inline ? opts.workers : Math.min(opts.workers, opts.inlineWorkers ?? 0)
  const makeLane = (i: number): Lane =>
    i < inlineCount ? new InlineLane(`inline worker ${i}`) : new ThreadLane(`execution worker ${i}`, opts.thread)

  const sequential = async (input: BlockInput, execOpts: ExecuteOptions): Promise<{ execution: BlockExecution; stats: BlockStats }> => {
    const execution = await executor.execute(input, execOpts)
    const n = execution.txs.length
    const stats: BlockStmStats = {
      mode: 'sequential-fallback', workers: opts.workers, executions: n, aborts: 0, reexecutions: 0, validationFailures: 0,
      dependencyAborts: 0, commitValidationFailures: 0, deferredFees: 0, fallbacks: 0,
    }
    return { execution, stats }
  }

  const runBlock = async (input: BlockInput, execOpts: ExecuteOptions = {}): Promise<{ execution: BlockExecution; stats: BlockStats }> => {
    await kzgReady()
    const id = ++blockId
    const t0 = performance.now()
    // No transactions, or a pre-state that cannot be shipped (a lazy view): sequential.
    const task = input.block.transactions.length > 0 ? blockTask(input, id) : undefined
    if (!task) return sequential(input, execOpts)
    const lanes = ensureLanes()
    // The lanes set the block up while this thread runs its system steps.
    announce(lanes, task)
    let session: BlockSession | undefined
    try {
      const run = await executor.beginBlock(input)
      const perturb = perturbOpts
        ? new Perturbation({ ...perturbOpts, seed: (perturbOpts.seed * 1_000_003 + Number(input.block.header.number)) >>> 0 })
        : undefined
      session = new BlockSession(id, run, lanes, executor, { prefetch: opts.prefetch ?? 2, perturb, maxCommitFailures: 3 }, execOpts, task.senders, task.claims)
      const t1 = performance.now()
      const { txs, counts, graph, conflicts, coordinatorMs, workerSetupMs } = await session.execute()
      const t2 = performance.now()
      const execution = await executor.finishBlock(run, txs)
      const stats = blockStmStats(txs.length, opts.workers, counts, graph, opts.keepGraph === true, conflicts)
      stats.timing = {
        setupMs: round(t1 - t0), txsMs: round(t2 - t1), postMs: round(performance.now() - t2),
        coordinatorMs: round(coordinatorMs), workerSetupMs: round(workerSetupMs),
        workMs: round(graph.micros.reduce((s, m) => s + m, 0) / 1000),
      }
      return { execution, stats }
    } finally {
      if (session) session.end()
      else release(lanes, id)
    }
  }

  // One block at a time per instance: the lanes hold one block's replica.
  const execute = ((input: BlockInput, execOpts?: ExecuteOptions) => {
    const next = queue.then(() => runBlock(input, execOpts))
    queue = next.catch(() => {})
    return next
  }) as BlockStmExecuteFn
  execute.setPerturbation = (p) => {
    perturbOpts = p
  }
  execute.close = async () => {
    await queue
    await Promise.all(lanes.map((l) => l.close()))
    lanes = []
  }
  return execute
}
