/**
 * `parevm run`: fetch → replay → verify as one pipeline over a range. Replay starts as soon
 * as the first blocks are stored; the run is recorded as it goes, so a stopped or crashed run
 * resumes where it was: stored blocks are not fetched again and finished verdicts are kept.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises'
import { RpcClient } from '../fetch/rpc-client.js'
import { fetchRange, type FetchOptions, type FetchSummary } from '../fetch/fetcher.js'
import { detectChain } from '../fetch/chain-detect.js'
import { chainRules } from '../execute/chain.js'
import { kzgReady } from '../execute/crypto.js'
import { BlockExecutor } from '../execute/block-executor.js'
import type { Store } from '../../storage/store.js'
import { replayRawBlock, sequentialExecute, type BlockReport, type ExecuteFn } from '../replay/replay-block.js'
import { isMismatch, summarize, type ReplaySummary } from '../replay/run-replay.js'
import { emptySnapshot, type ProgressSnapshot } from './progress.js'
import { RateWindow } from './rate-window.js'

export interface PipelineOptions {
  rpcUrl: string
  from: number
  to: number
  fetch: Omit<FetchOptions, 'from' | 'to' | 'signal'>
  rps?: number
  mode: 'sequential' | 'parallel'
  workers: number
  /** Parallel replay of a list of stored blocks, yielding reports in block order. */
  replayMany?: (numbers: number[], store: Store) => AsyncIterable<BlockReport>
  execute?: ExecuteFn
  signal?: AbortSignal
  title?: string
  onUpdate?: (s: ProgressSnapshot) => void
}

export interface PipelineOutcome {
  runId: number
  /** Verdicts of this invocation (resumed ones are counted in `resumed`). */
  reports: BlockReport[]
  resumed: number
  summary: ReplaySummary & { unchecked: number }
  fetch: FetchSummary | undefined
  stopped: boolean
}

const RUN_MODE = (mode: string): string => `pipeline:${mode}`

/** Blocks become replayable as they are stored; the consumer waits for them. */
class ReadyQueue {
  private items: number[] = []
  private wake: (() => void) | null = null
  closed = false

  push(n: number): void {
    this.items.push(n)
    this.wake?.()
  }

  close(): void {
    this.closed = true
    this.wake?.()
  }

  /** Everything ready now (in order), waiting if there is nothing yet; [] when closed and drained. */
  async takeAll(): Promise<number[]> {
    while (this.items.length === 0 && !this.closed) await new Promise<void>((r) => (this.wake = r))
    this.wake = null
    const out = this.items.sort((a, b) => a - b)
    this.items = []
    return out
  }
}

export async function runPipeline(store: Store, opts: PipelineOptions): Promise<PipelineOutcome> {
  await kzgReady()
  const snap = emptySnapshot(opts.title ?? `parevm run ${opts.from}..${opts.to}`, opts.from, opts.to, opts.workers)
  const emit = (): void => opts.onUpdate?.(snap)
  const rpc = new RpcClient(opts.rpcUrl, { concurrency: Math.max(4, (opts.fetch.concurrency ?? 4) * 2), rps: opts.rps })
  // Preflight before anything is recorded: an unreachable node or data of another chain
  // fails here, with the database untouched.
  try {
    const chain = await detectChain(rpc, opts.fetch.chain)
    store.checkChain(chain)
  } catch (e) {
    await rpc.close()
    throw e
  }
  const runId = store.resumableRun(RUN_MODE(opts.mode), opts.from, opts.to) ??
    store.createRun(RUN_MODE(opts.mode), opts.workers, opts.from, opts.to)
  const done = new Set(store.results(runId).map((r) => r.block))
  for (const r of store.results(runId)) {
    const bad = Object.values(r.checks).includes('mismatch')
    if (bad) {
      snap.verdicts.mismatched++
      const first = (r.mismatches as Array<{ field: string; expected?: string; actual?: string }>)[0]
      snap.mismatches.push({ block: r.block, field: first?.field ?? '?', detail: 'resumed' })
    } else if (Object.values(r.checks).includes('unchecked')) snap.verdicts.unchecked++
    else snap.verdicts.matched++
    snap.replay.gas += r.gasUsed
  }
  snap.replay.done = done.size
  const queue = new ReadyQueue()
  const fetchStats = new RateWindow()
  const replayRate = new RateWindow()
  let fetchSummary: FetchSummary | undefined
  snap.phase = 'fetching'
  emit()

  const fetching = fetchRange(store, rpc, { ...opts.fetch, from: opts.from, to: opts.to, signal: opts.signal }, (e) => {
    if (e.type === 'start') {
      snap.fetch.total = e.total + e.alreadyStored
      snap.fetch.stored = e.alreadyStored
      for (const n of store.blockNumbers(opts.from, opts.to)) if (!done.has(n)) queue.push(n)
    } else if (e.type === 'block') {
      snap.fetch.stored++
      snap.fetch.inFlight = e.inFlight
      snap.fetch.queued = e.rpc.queued
      snap.fetch.requests = e.rpc.requests
      snap.fetch.retries = e.rpc.retries
      snap.fetch.errors = Object.values(e.rpc.errors).reduce((s, n) => s + n, 0)
      fetchStats.add(1, 0)
      snap.fetch.blocksPerSecond = fetchStats.perSecondNow().count
      if (!done.has(e.block.number)) queue.push(e.block.number)
    } else snap.message = e.message
    emit()
  }).then((s) => { fetchSummary = s }, (e: unknown) => { throw e }).finally(() => queue.close())

  const reports: BlockReport[] = []
  const t0 = performance.now()
  const rules = chainRulesFor(store)
  const execute = opts.execute ?? sequentialExecute(new BlockExecutor())
  const replaying = (async () => {
    for (;;) {
      const batch = await queue.takeAll()
      if (batch.length === 0) break
      if (opts.signal?.aborted) break
      snap.phase = 'replaying'
      snap.workers.busy = Math.min(opts.workers, batch.length)
      emit()
      const source = opts.replayMany ? opts.replayMany(batch, store) : sequential(batch, store, rules(), execute)
      for await (const report of source) {
        record(store, runId, report)
        reports.push(report)
        done.add(report.number)
        applyReport(snap, report, replayRate, t0)
        emit()
        if (opts.signal?.aborted) break
      }
      snap.workers.busy = 0
      if (opts.signal?.aborted) break
    }
  })()

  let stopped = false
  try {
    await Promise.all([fetching, replaying])
  } catch (e) {
    if (opts.signal?.aborted) stopped = true
    else {
      snap.phase = 'failed'
      snap.message = (e as Error).message
      emit()
      store.finishRun(runId, 'failed', { error: (e as Error).message })
      await rpc.close()
      throw e
    }
  }
  if (opts.signal?.aborted) stopped = true
  await rpc.close()
  const all = store.results(runId)
  const base = summarize(reports, (performance.now() - t0) / 1000)
  const summary = {
    ...base,
    blocks: all.length,
    matched: all.filter((r) => !Object.values(r.checks).includes('mismatch')).length,
    mismatched: all.filter((r) => Object.values(r.checks).includes('mismatch')).length,
    unchecked: all.filter((r) => !Object.values(r.checks).includes('mismatch') && Object.values(r.checks).includes('unchecked')).length,
  }
  snap.phase = stopped ? 'stopping' : 'done'
  emit()
  store.finishRun(runId, stopped ? 'stopped' : 'done', summary)
  return { runId, reports, resumed: all.length - reports.length, summary, fetch: fetchSummary, stopped }
}

function chainRulesFor(store: Store): () => ReturnType<typeof chainRules> {
  let rules: ReturnType<typeof chainRules> | undefined
  // The chain is known only once the fetcher recorded it.
  return () => (rules ??= chainRules(store.chain()!.profile))
}

async function* sequential(numbers: number[], store: Store, rules: ReturnType<typeof chainRules>, execute: ExecuteFn): AsyncIterable<BlockReport> {
  for (const n of numbers) {
    const report = await replayRawBlock(store.rawBlock(n), rules, execute)
    yield report
    // Let the fetcher's sockets and timers run between blocks.
    await yieldToIo()
  }
}

function record(store: Store, runId: number, report: BlockReport): void {
  store.putResult(runId, {
    block: report.number, hash: report.hash, txCount: report.txs, gasUsed: report.gasUsed,
    checks: report.checks, unchecked: report.unchecked, mismatches: report.mismatches,
    digest: report.digest, seconds: report.seconds.total, stats: { ...report.stats, seconds: report.seconds },
  })
}

function applyReport(snap: ProgressSnapshot, r: BlockReport, rate: RateWindow, t0: number): void {
  snap.replay.done++
  snap.replay.gas += r.gasUsed
  rate.add(1, r.gasUsed)
  const elapsed = (performance.now() - t0) / 1000
  snap.replay.seconds = elapsed
  const now = rate.perSecondNow()
  const avg = rate.perSecondTotal()
  snap.replay.blocksPerSecondNow = now.count
  snap.replay.mgasPerSecondNow = now.amount / 1e6
  snap.replay.blocksPerSecondAvg = avg.count
  snap.replay.mgasPerSecondAvg = avg.amount / 1e6
  const left = snap.replay.total - snap.replay.done
  snap.replay.etaSeconds = avg.count > 0 ? left / avg.count : null
  snap.blockStm.executions += r.stats.executions ?? 0
  snap.blockStm.aborts += r.stats.aborts ?? 0
  snap.blockStm.reexecutions += r.stats.reexecutions ?? 0
  snap.blockStm.validationFailures += r.stats.validationFailures ?? 0
  const mismatch = isMismatch(r)
  const unchecked = !mismatch && Object.values(r.checks).includes('unchecked')
  if (mismatch) {
    snap.verdicts.mismatched++
    for (const m of r.mismatches.slice(0, 3)) {
      snap.mismatches.push({ block: r.number, field: m.field, detail: m.tx !== undefined ? `tx ${m.tx}` : `expected ${m.expected.slice(0, 18)}` })
    }
  } else if (unchecked) snap.verdicts.unchecked++
  else snap.verdicts.matched++
  snap.lastBlock = { number: r.number, txs: r.txs, gas: r.gasUsed, ms: r.seconds.total * 1000, verdict: mismatch ? 'mismatched' : unchecked ? 'unchecked' : 'matched' }
  const sim = r.stats.simulated as Array<{ workers: number; speedup: number }> | undefined
  if (sim) snap.simulated = sim
}
