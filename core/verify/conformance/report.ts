/**
 * Conformance results as the CLI contract shapes them (`{tests, summary}`), and the per-network
 * table printed for people. Networks sort in fork order, transitions after their source fork.
 */
import { forkRank } from './networks.js'
import type { TestResult } from './runner.js'

export interface TestRecord {
  file: string
  name: string
  network: string
  result: TestResult
  reason: string
}

export interface NetworkCounts {
  passed: number
  failed: number
  skipped: number
}

export interface Summary {
  total: number
  passed: number
  failed: number
  skipped: number
  byNetwork: Record<string, NetworkCounts>
}

export interface ConformanceReport {
  tests: TestRecord[]
  summary: Summary
}

/** Network of a record that stands for a whole file (absent from the mirror, or crashed). */
export const FILE_NETWORK = '(file)'

export function sortNetworks(names: string[]): string[] {
  return [...names].sort((a, b) => forkRank(a) - forkRank(b) || a.localeCompare(b))
}

export function summarize(tests: TestRecord[]): Summary {
  const byNetwork: Record<string, NetworkCounts> = {}
  const summary: Summary = { total: 0, passed: 0, failed: 0, skipped: 0, byNetwork }
  for (const t of tests) {
    const n = (byNetwork[t.network] ??= { passed: 0, failed: 0, skipped: 0 })
    summary.total++
    if (t.result === 'pass') { summary.passed++; n.passed++ }
    else if (t.result === 'fail') { summary.failed++; n.failed++ }
    else { summary.skipped++; n.skipped++ }
  }
  const sorted: Record<string, NetworkCounts> = {}
  for (const k of sortNetworks(Object.keys(byNetwork))) sorted[k] = byNetwork[k]!
  summary.byNetwork = sorted
  return summary
}

/** Deterministic order whatever the worker scheduling: by file, then test name. */
export function buildReport(tests: TestRecord[]): ConformanceReport {
  const sorted = [...tests].sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name))
  return { tests: sorted, summary: summarize(sorted) }
}

function pct(passed: number, run: number): string {
  if (run === 0) return '-'
  const p = (100 * passed) / run
  // Never round a failure up to 100%.
  return (passed < run && p > 99.99 ? 99.99 : p).toFixed(2) + '%'
}

/** The per-network table: passed / failed / skipped and the pass rate of the tests that ran. */
export function formatTable(summary: Summary): string {
  const rows: string[][] = [['network', 'total', 'passed', 'failed', 'skipped', 'pass rate']]
  for (const [network, c] of Object.entries(summary.byNetwork)) {
    const total = c.passed + c.failed + c.skipped
    rows.push([network, String(total), String(c.passed), String(c.failed), String(c.skipped), pct(c.passed, c.passed + c.failed)])
  }
  rows.push(['all', String(summary.total), String(summary.passed), String(summary.failed), String(summary.skipped),
    pct(summary.passed, summary.passed + summary.failed)])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return [line(rows[0]!), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1]!)].join('\n') + '\n'
}

/** One line per failed test (and per skip, with its reason), for the text output. */
export function formatFailures(tests: TestRecord[], limit = 200): string {
  const bad = tests.filter((t) => t.result !== 'pass')
  const lines = bad.slice(0, limit).map((t) => `${t.result.toUpperCase()} ${t.file} :: ${t.name} [${t.network}]: ${t.reason}`)
  if (bad.length > limit) lines.push(`… and ${bad.length - limit} more`)
  return lines.length ? lines.join('\n') + '\n' : ''
}
