/**
 * Replays a block's measured dependency graph and per-transaction costs on N simulated workers:
 * an oracle list schedule (a transaction starts as soon as a worker is free and every
 * transaction it read from has finished; the lowest index goes first). No speculation, no
 * aborts: what a perfect parallel executor could do with this graph — the headroom Block-STM
 * is measured against (pevm reports 1.82× median on mainnet blocks at 32 workers).
 */
import type { DependencyGraph } from './stats.js'

export interface SimulationOptions {
  /** Added to every transaction's cost (per-task dispatch overhead), same unit as the costs. */
  overheadPerTx?: number
  /** Speed of each busy worker while `busy` run at once (default 1: no contention). */
  rate?: (busy: number) => number
}

export interface BlockSimulation {
  workers: number
  /** Sum of costs over the schedule's length. */
  speedup: number
  makespan: number
}

/** A min-heap of numbers (indices or times), small and allocation-light. */
class MinHeap<T> {
  private readonly items: T[] = []
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  push(x: T): void {
    const a = this.items
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(a[i]!, a[p]!)) break
      ;[a[i], a[p]] = [a[p]!, a[i]!]
      i = p
    }
  }

  pop(): T | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top
  }
}

/**
 * The schedule's length on `workers` workers. With `rate`, busy workers slow each other: while
 * k transactions run, each advances at `rate(k)` units of its cost per unit of time (a
 * machine's measured contention).
 */
export function simulateMakespan(costs: number[], deps: number[][], workers: number, opts: SimulationOptions = {}): number {
  const n = costs.length
  const overhead = opts.overheadPerTx ?? 0
  const rate = opts.rate ?? ((): number => 1)
  const waiting = new Array<number>(n).fill(0)
  const dependents: number[][] = Array.from({ length: n }, () => [])
  for (let i = 0; i < n; i++) {
    for (const d of new Set(deps[i] ?? [])) {
      waiting[i]!++
      dependents[d]!.push(i)
    }
  }
  const ready = new MinHeap<number>((a, b) => a < b)
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i)
  // Remaining cost of each running transaction (at most `workers`: a flat list will do).
  const running: Array<{ tx: number; left: number }> = []
  let now = 0
  let done = 0
  while (done < n) {
    while (running.length < workers && ready.size > 0) {
      const tx = ready.pop()!
      running.push({ tx, left: costs[tx]! + overhead })
    }
    let first = 0
    for (let i = 1; i < running.length; i++) {
      const a = running[i]!
      const b = running[first]!
      if (a.left < b.left || (a.left === b.left && a.tx < b.tx)) first = i
    }
    const step = running[first]!.left
    now += step / rate(running.length)
    for (const x of running) x.left -= step
    const [finished] = running.splice(first, 1)
    done++
    for (const d of dependents[finished!.tx]!) if (--waiting[d]! === 0) ready.push(d)
  }
  return now
}

export function simulateBlock(graph: Pick<DependencyGraph, 'deps'>, costs: number[], workers: number, opts: SimulationOptions = {}): BlockSimulation {
  const total = costs.reduce((s, c) => s + c, 0)
  const makespan = simulateMakespan(costs, graph.deps, workers, opts)
  return { workers, makespan, speedup: makespan > 0 ? total / makespan : 1 }
}

export interface CorpusSimulation {
  workers: number
  /** Median over blocks of each block's speedup. */
  median: number
  /** All blocks together: total work over the sum of makespans. */
  aggregate: number
}

/** Per worker count: median and aggregate speedup over blocks (each a graph with its costs). */
export function simulateCorpus(
  blocks: Array<{ deps: number[][]; costs: number[] }>, workerCounts: number[], opts: SimulationOptions = {},
): CorpusSimulation[] {
  const nonEmpty = blocks.filter((b) => b.costs.length > 0)
  return workerCounts.map((workers) => {
    const speedups: number[] = []
    let work = 0
    let span = 0
    for (const b of nonEmpty) {
      const s = simulateBlock(b, b.costs, workers, opts)
      speedups.push(s.speedup)
      work += b.costs.reduce((x, c) => x + c, 0)
      span += s.makespan
    }
    return { workers, median: median(speedups), aggregate: span > 0 ? work / span : 1 }
  })
}

export function median(xs: number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** N = 1…64. */
export const DEFAULT_WORKER_COUNTS: number[] = Array.from({ length: 64 }, (_, i) => i + 1)
