/**
 * Per-block Block-STM statistics: the work done (executions, aborts, re-executions, validation
 * failures) and the block's true dependency graph, built at commit from each transaction's
 * read set and the writers before it — counting only writes that changed a value, and treating
 * the beneficiary's deferred fee as a credit that only real readers of its balance depend on.
 * Its critical path (weighted by gas or by measured time) bounds any schedule's speedup.
 */
import { accountLoc, addressOf, isCredit, kindOf, wipeLoc } from './locations.js'

/** A block's measured dependency graph: what the simulator replays. */
export interface DependencyGraph {
  /** Per transaction: measured execution time of its committed incarnation, µs. */
  micros: number[]
  /** Per transaction: gas it added to the block. */
  gas: number[]
  /** Per transaction: the earlier transactions it read from. */
  deps: number[][]
}

export interface BlockStmStats {
  executions: number
  aborts: number
  reexecutions: number
  validationFailures: number
  /** Total work / critical path, weighted by gas. */
  criticalPathBound?: number
  /** Total work / critical path, weighted by measured execution time. */
  criticalPathBoundTime?: number
  /** min(workers, criticalPathBoundTime): the best this block can do with these workers. */
  speedupBound?: number
  /** Share of transactions that depend on an earlier one. */
  dependentShare?: number
  /** Incarnations stopped on an ESTIMATE (suspended on a dependency). */
  dependencyAborts: number
  /** Failed validations at commit (against the committed prefix). */
  commitValidationFailures: number
  /** Transactions whose fee was deferred as a credit to the beneficiary. */
  deferredFees: number
  /** Transactions re-executed on the coordinator as a safety net (0 unless something is off). */
  fallbacks: number
  /** Incarnations that threw on a stale view (and were re-run). */
  staleFailures?: number
  /** Balance credits to accounts other than the beneficiary, applied at commit. */
  credits?: number
  /** Execution messages (batches of tasks) sent to workers. */
  messages?: number
  workers: number
  mode: 'block-stm' | 'sequential-fallback'
  /** The locations with the most conflicts (failed validations, ESTIMATE stops): [location, count]. */
  hotLocations?: Array<[string, number]>
  graph?: DependencyGraph
  /**
   * Where the block's time went, ms: system steps and hand-over (setup), the parallel part
   * (txs), post steps; the coordinator's own busy time within txs; the slowest worker's own
   * block set-up (within txs); the sum of committed executions (work).
   */
  timing?: { setupMs: number; txsMs: number; postMs: number; coordinatorMs: number; workerSetupMs: number; workMs: number }
  [key: string]: unknown
}

/** Builds the dependency graph in commit order. */
export class DependencyGraphBuilder {
  private readonly lastWriter = new Map<string, number>()
  /** Credit writers since the location's last absolute writer. */
  private readonly creditors = new Map<string, number[]>()
  readonly deps: number[][] = []

  /**
   * Transaction `txIdx` commits with these reads and multi-version writes; `changed(loc, value)`
   * says whether a write changes the committed value (called before the write is applied).
   */
  commit(txIdx: number, reads: string[], writes: string[], changed: (loc: string, value: string) => boolean): void {
    const mine = new Set<number>()
    for (let k = 0; k < reads.length; k += 2) {
      const read = reads[k]!
      // A balance-free read depends on absolute writes of the account, not on its credits.
      const loc = kindOf(read) === 'm' ? accountLoc(addressOf(read)) : read
      const w = this.lastWriter.get(loc)
      if (w !== undefined) mine.add(w)
      if (kindOf(read) === 'a') for (const c of this.creditors.get(loc) ?? []) mine.add(c)
      else if (kindOf(loc) === 's') {
        const wipe = this.lastWriter.get(wipeLoc(addressOf(loc)))
        if (wipe !== undefined) mine.add(wipe)
      }
    }
    this.deps[txIdx] = [...mine].sort((a, b) => a - b)
    for (let k = 0; k < writes.length; k += 2) {
      const loc = writes[k]!
      const value = writes[k + 1]!
      if (isCredit(value)) {
        let list = this.creditors.get(loc)
        if (!list) this.creditors.set(loc, (list = []))
        list.push(txIdx)
      } else if (changed(loc, value)) {
        this.lastWriter.set(loc, txIdx)
        this.creditors.delete(loc)
      }
    }
  }
}

/** Longest path through the graph with these node weights. */
export function criticalPath(deps: number[][], weight: number[]): number {
  const finish = new Array<number>(weight.length).fill(0)
  let longest = 0
  for (let i = 0; i < weight.length; i++) {
    let start = 0
    for (const d of deps[i] ?? []) start = Math.max(start, finish[d]!)
    finish[i] = start + weight[i]!
    longest = Math.max(longest, finish[i]!)
  }
  return longest
}

/** Total weight over critical path (1 for an empty block). */
export function criticalPathBound(deps: number[][], weight: number[]): number {
  const total = weight.reduce((s, w) => s + w, 0)
  const cp = criticalPath(deps, weight)
  return cp > 0 ? total / cp : 1
}

export interface WorkCounts {
  /** Incarnations started (including those stopped on an ESTIMATE). */
  executions: number
  /** Incarnations aborted by a failed validation. */
  validationAborts: number
  dependencyAborts: number
  validationFailures: number
  commitValidationFailures: number
  deferredFees: number
  /** Other balance credits applied at commit (value sent to accounts never looked at). */
  credits: number
  fallbacks: number
  /** Incarnations that threw on a stale view (and were re-run). */
  staleFailures: number
  /** Execution messages (batches) sent to workers. */
  messages: number
}

export function blockStmStats(
  txCount: number, workers: number, counts: WorkCounts, graph: DependencyGraph, keepGraph: boolean,
  conflicts: Map<string, number> = new Map(),
): BlockStmStats {
  const round = (x: number): number => Math.round(x * 1000) / 1000
  const byTime = criticalPathBound(graph.deps, graph.micros)
  const stats: BlockStmStats = {
    mode: 'block-stm',
    workers,
    executions: counts.executions,
    aborts: counts.validationAborts + counts.dependencyAborts + counts.staleFailures,
    reexecutions: Math.max(0, counts.executions - txCount),
    validationFailures: counts.validationFailures,
    dependencyAborts: counts.dependencyAborts,
    commitValidationFailures: counts.commitValidationFailures,
    deferredFees: counts.deferredFees,
    fallbacks: counts.fallbacks,
    staleFailures: counts.staleFailures,
    credits: counts.credits,
    messages: counts.messages,
    criticalPathBound: round(criticalPathBound(graph.deps, graph.gas)),
    criticalPathBoundTime: round(byTime),
    speedupBound: round(Math.min(workers, byTime)),
    dependentShare: txCount > 0 ? round(graph.deps.filter((d) => d.length > 0).length / txCount) : 0,
  }
  if (conflicts.size > 0) stats.hotLocations = [...conflicts].sort((a, b) => b[1] - a[1]).slice(0, 3)
  if (keepGraph) stats.graph = graph
  return stats
}
