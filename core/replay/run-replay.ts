/**
 * `replay`: re-execute stored blocks and verify them, recording the run and each block's
 * result in the store as it completes (a crash keeps every finished verdict).
 */
import { chainRules } from '../execute/chain.js'
import { BlockExecutor } from '../execute/block-executor.js'
import { kzgReady } from '../execute/crypto.js'
import type { Store } from '../../storage/store.js'
import { replayRawBlock, sequentialExecute, type BlockReport, type ExecuteFn } from './replay-block.js'

export class EmptyRangeError extends Error {
  override name = 'StoreInputError'
}

export interface ReplayOptions {
  from?: number
  to?: number
  mode: 'sequential' | 'parallel'
  workers: number
  /** Override how blocks are executed (parallel mode plugs in here). */
  execute?: ExecuteFn
  /** Replays the given raw blocks in parallel across workers, yielding reports in block order. */
  replayMany?: (numbers: number[], store: Store) => AsyncIterable<BlockReport>
  onBlock?: (report: BlockReport, done: number, total: number) => void
}

export interface ReplaySummary {
  blocks: number
  matched: number
  mismatched: number
  gas: number
  seconds: number
  mgasPerSecond: number
  aborts: number
  reexecutions: number
}

export interface ReplayOutcome {
  runId: number
  reports: BlockReport[]
  summary: ReplaySummary
}

export function isMismatch(r: BlockReport): boolean {
  return Object.values(r.checks).some((c) => c === 'mismatch')
}

export function summarize(reports: BlockReport[], seconds: number): ReplaySummary {
  const gas = reports.reduce((s, r) => s + r.gasUsed, 0)
  const mismatched = reports.filter(isMismatch).length
  return {
    blocks: reports.length,
    matched: reports.length - mismatched,
    mismatched,
    gas,
    seconds: round(seconds, 3),
    mgasPerSecond: seconds > 0 ? round(gas / 1e6 / seconds, 2) : 0,
    aborts: reports.reduce((s, r) => s + (r.stats.aborts ?? 0), 0),
    reexecutions: reports.reduce((s, r) => s + (r.stats.reexecutions ?? 0), 0),
  }
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d

async function* sequentialReports(numbers: number[], store: Store, execute: ExecuteFn): AsyncIterable<BlockReport> {
  const chain = store.chain()!
  const rules = chainRules(chain.profile)
  for (const n of numbers) {
    const t0 = performance.now()
    const raw = store.rawBlock(n)
    const readSeconds = (performance.now() - t0) / 1000
    const report = await replayRawBlock(raw, rules, execute)
    report.seconds.load += readSeconds
    report.seconds.total += readSeconds
    yield report
  }
}

export async function replayStored(store: Store, opts: ReplayOptions): Promise<ReplayOutcome> {
  const chain = store.chain()
  const numbers = store.blockNumbers(opts.from, opts.to)
  if (!chain || numbers.length === 0) {
    const range = opts.from !== undefined || opts.to !== undefined ? ` in ${opts.from ?? 0}..${opts.to ?? '∞'}` : ''
    throw new EmptyRangeError(`no stored blocks${range}: import or fetch blocks first`)
  }
  await kzgReady()
  const runId = store.createRun(opts.mode, opts.workers, opts.from ?? null, opts.to ?? null)
  const reports: BlockReport[] = []
  const t0 = performance.now()
  try {
    const source = opts.replayMany
      ? opts.replayMany(numbers, store)
      : sequentialReports(numbers, store, opts.execute ?? sequentialExecute(new BlockExecutor()))
    for await (const report of source) {
      reports.push(report)
      store.putResult(runId, {
        block: report.number, hash: report.hash, txCount: report.txs, gasUsed: report.gasUsed,
        checks: report.checks, unchecked: report.unchecked, mismatches: report.mismatches,
        digest: report.digest, seconds: report.seconds.total, stats: { ...report.stats, seconds: report.seconds },
      })
      opts.onBlock?.(report, reports.length, numbers.length)
    }
  } catch (e) {
    store.finishRun(runId, 'failed', { error: (e as Error).message, blocks: reports.length })
    throw e
  }
  const summary = summarize(reports, (performance.now() - t0) / 1000)
  store.finishRun(runId, 'done', summary)
  return { runId, reports, summary }
}
