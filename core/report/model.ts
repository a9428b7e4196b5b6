/**
 * The report model: one run's stored results, arranged for reading. Built from the store
 * (`buildReport`) or from plain records (`reportFromRecords`, pure), then rendered as JSON,
 * Markdown or HTML. Nothing here re-executes anything: a report says what the run recorded.
 */
import type { ResultRecord, RunRecord, Store } from '../../storage/store.js'
import type { Mismatch } from '../verify/checks.js'

/** Bad report input (unknown run, no runs): the command maps it to exit 2. */
export class ReportError extends Error {
  override name = 'ReportError'
}

export type Verdict = 'match' | 'mismatch' | 'unchecked'

export interface PhaseSeconds {
  load?: number
  recover?: number
  execute?: number
  verify?: number
  total?: number
}

export interface BlockRow {
  number: number
  hash: string
  txs: number
  gasUsed: number
  checks: Record<string, string>
  unchecked: Record<string, string>
  mismatches: MismatchRow[]
  digest: string
  /** The block's recorded wall time (all phases), seconds. */
  seconds: number
  mgasPerSecond: number
  /** 'mismatch' when any check mismatched, else 'unchecked' when any is unchecked, else 'match'. */
  verdict: Verdict
  phases?: PhaseSeconds
  /** Block-STM figures: present only when the run recorded them for this block. */
  speedup?: number
  aborts?: number
  reexecutions?: number
  criticalPathBound?: number
  speedupBound?: number
}

/** A verification mismatch, with the block it belongs to. */
export interface MismatchRow extends Mismatch {
  block: number
}

export interface UncheckedGroup {
  field: string
  reason: string
  count: number
  blocks: number[]
}

export interface CheckTally {
  match: number
  mismatch: number
  unchecked: number
}

export interface RunSummary {
  blocks: number
  /** As in `replay --json`: blocks whose every check is match or unchecked. */
  matched: number
  mismatched: number
  /** Blocks without a mismatch but with at least one unchecked field. */
  unchecked: number
  checks: CheckTally
  byCheck: Record<string, CheckTally>
  gas: number
  txs: number
  seconds: number
  mgasPerSecond: number
  /** Where `seconds` comes from: the run's own wall clock, or the sum of its blocks' times. */
  secondsSource: 'run' | 'blocks'
  aborts?: number
  reexecutions?: number
}

/** Which optional columns the run's results support. */
export interface ReportColumns {
  checks: string[]
  speedup: boolean
  aborts: boolean
  criticalPathBound: boolean
}

export interface ReportModel {
  format: 'parevm-report'
  version: 1
  run: {
    id: number
    mode: string
    workers: number
    status: string
    startedAt: string
    finishedAt: string | null
    from: number | null
    to: number | null
    error?: string
  }
  chainId?: number
  /** True when at least one block carries Block-STM statistics. */
  parallelStats: boolean
  columns: ReportColumns
  summary: RunSummary
  blocks: BlockRow[]
  mismatches: MismatchRow[]
  unchecked: UncheckedGroup[]
}

/** Header fields first, in the order a reader checks them; anything newer after, sorted. */
const CHECK_ORDER = ['blockHash', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'requestsHash', 'senders', 'stateRoot']

export function buildReport(store: Store, runId?: number): ReportModel {
  const latest = store.run()
  if (!latest) throw new ReportError('no runs in the database: run `parevm replay` first')
  const run = runId === undefined ? latest : store.run(runId)
  if (!run) throw new ReportError(`run ${runId} not found (latest run is ${latest.id})`)
  return reportFromRecords(run, store.results(run.id), store.chain()?.chainId)
}

export function reportFromRecords(run: RunRecord, results: ResultRecord[], chainId?: number): ReportModel {
  const blocks = results.map(blockRow)
  const parallelStats = blocks.some(hasBlockStm)
  const columns: ReportColumns = {
    checks: checkNames(blocks),
    speedup: blocks.some((b) => b.speedup !== undefined),
    aborts: parallelStats,
    criticalPathBound: blocks.some((b) => b.criticalPathBound !== undefined),
  }
  const runSummary = (run.summary ?? {}) as Record<string, unknown>
  return {
    format: 'parevm-report',
    version: 1,
    run: {
      id: run.id, mode: run.mode, workers: run.workers, status: run.status, startedAt: run.startedAt,
      finishedAt: run.finishedAt, from: run.fromBlock, to: run.toBlock,
      ...(typeof runSummary.error === 'string' ? { error: runSummary.error } : {}),
    },
    ...(chainId !== undefined ? { chainId } : {}),
    parallelStats,
    columns,
    summary: summarize(blocks, runSummary, parallelStats),
    blocks,
    mismatches: blocks.flatMap((b) => b.mismatches),
    unchecked: groupUnchecked(blocks),
  }
}

function blockRow(r: ResultRecord): BlockRow {
  const stats = (r.stats ?? {}) as Record<string, unknown>
  const verdict: Verdict = Object.values(r.checks).includes('mismatch') ? 'mismatch'
    : Object.values(r.checks).includes('unchecked') ? 'unchecked' : 'match'
  const row: BlockRow = {
    number: r.block, hash: r.hash, txs: r.txCount, gasUsed: r.gasUsed, checks: r.checks, unchecked: r.unchecked,
    mismatches: (r.mismatches as Array<Record<string, unknown>>).map((m) => mismatchRow(r.block, m)),
    digest: r.digest, seconds: r.seconds, mgasPerSecond: rate(r.gasUsed, r.seconds), verdict,
  }
  const phases = stats.seconds
  if (phases && typeof phases === 'object') row.phases = phases as PhaseSeconds
  // Block-STM figures only: sequential runs record aborts = 0 too, which says nothing.
  if (isBlockStmStats(stats)) {
    setNumber(row, 'speedup', stats.speedup)
    setNumber(row, 'aborts', stats.aborts)
    setNumber(row, 'reexecutions', stats.reexecutions)
    setNumber(row, 'criticalPathBound', stats.criticalPathBound)
    setNumber(row, 'speedupBound', stats.speedupBound)
  }
  return row
}

function isBlockStmStats(stats: Record<string, unknown>): boolean {
  return stats.mode === 'block-stm' || typeof stats.criticalPathBound === 'number' || typeof stats.speedup === 'number'
}

function hasBlockStm(b: BlockRow): boolean {
  return b.aborts !== undefined || b.speedup !== undefined || b.criticalPathBound !== undefined
}

function setNumber(row: BlockRow, key: 'speedup' | 'aborts' | 'reexecutions' | 'criticalPathBound' | 'speedupBound', v: unknown): void {
  if (typeof v === 'number' && Number.isFinite(v)) row[key] = v
}

function mismatchRow(block: number, m: Record<string, unknown>): MismatchRow {
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v))
  const out: MismatchRow = { block, field: str(m.field), expected: str(m.expected), actual: str(m.actual) }
  if (typeof m.tx === 'number') out.tx = m.tx
  if (typeof m.account === 'string') out.account = m.account
  if (typeof m.slot === 'string') out.slot = m.slot
  if (typeof m.detail === 'string') out.detail = m.detail
  return out
}

export function checkNames(blocks: BlockRow[]): string[] {
  const seen = new Set<string>()
  for (const b of blocks) for (const k of Object.keys(b.checks)) seen.add(k)
  const known = CHECK_ORDER.filter((k) => seen.has(k))
  const extra = [...seen].filter((k) => !CHECK_ORDER.includes(k)).sort()
  return [...known, ...extra]
}

function summarize(blocks: BlockRow[], runSummary: Record<string, unknown>, parallel: boolean): RunSummary {
  const checks: CheckTally = { match: 0, mismatch: 0, unchecked: 0 }
  const byCheck: Record<string, CheckTally> = {}
  for (const b of blocks) {
    for (const [field, state] of Object.entries(b.checks)) {
      if (state !== 'match' && state !== 'mismatch' && state !== 'unchecked') continue
      checks[state]++
      ;(byCheck[field] ??= { match: 0, mismatch: 0, unchecked: 0 })[state]++
    }
  }
  const gas = sum(blocks.map((b) => b.gasUsed))
  const mismatched = blocks.filter((b) => b.verdict === 'mismatch').length
  // The run's wall clock covers all its blocks only when it finished with all of them recorded.
  const runSeconds = typeof runSummary.seconds === 'number' && runSummary.blocks === blocks.length ? runSummary.seconds : undefined
  const seconds = runSeconds ?? sum(blocks.map((b) => b.seconds))
  const out: RunSummary = {
    blocks: blocks.length,
    matched: blocks.length - mismatched,
    mismatched,
    unchecked: blocks.filter((b) => b.verdict === 'unchecked').length,
    checks,
    byCheck,
    gas,
    txs: sum(blocks.map((b) => b.txs)),
    seconds: round(seconds, 3),
    // The run's own figure was computed from its unrounded clock: prefer it.
    mgasPerSecond: runSeconds !== undefined && typeof runSummary.mgasPerSecond === 'number' ? runSummary.mgasPerSecond : rate(gas, seconds),
    secondsSource: runSeconds !== undefined ? 'run' : 'blocks',
  }
  if (parallel) {
    out.aborts = sum(blocks.map((b) => b.aborts ?? 0))
    out.reexecutions = sum(blocks.map((b) => b.reexecutions ?? 0))
  }
  return out
}

export function groupUnchecked(blocks: BlockRow[]): UncheckedGroup[] {
  const groups = new Map<string, UncheckedGroup>()
  for (const b of blocks) {
    for (const [field, reason] of Object.entries(b.unchecked)) {
      const key = `${field}\u0000${reason}`
      let g = groups.get(key)
      if (!g) groups.set(key, (g = { field, reason, count: 0, blocks: [] }))
      g.count++
      g.blocks.push(b.number)
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.field.localeCompare(b.field) || a.reason.localeCompare(b.reason))
}

export function rate(gas: number, seconds: number): number {
  return seconds > 0 ? round(gas / 1e6 / seconds, 2) : 0
}

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0)
const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d
