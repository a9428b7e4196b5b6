/**
 * `parevm conformance <path>... [--workers K] [--mode sequential|parallel] [--fork NAME] [--json]`:
 * run BlockchainTests fixtures (files or folders, plain or gzipped JSON) over K worker threads.
 * Exit 0 when every test passed, 1 when one failed, 2 for bad input (missing path, malformed
 * JSON, bad flag). The per-network table goes to stdout, or to stderr with --json.
 */
import type { Command } from 'commander'
import { availableParallelism } from 'node:os'
import { UnsupportedNetworkError } from '../../core/verify/conformance/networks.js'
import { runConformance, type FileProgress } from '../../core/verify/conformance/pool.js'
import { formatFailures, formatTable } from '../../core/verify/conformance/report.js'
import { networkFilter, type ExecutionMode } from '../../core/verify/conformance/run-file.js'
import { EXIT, UsageError } from '../errors.js'
import { parsePositiveInt } from '../options.js'

export interface ConformanceFlags {
  workers?: string
  mode?: string
  fork?: string
  json?: boolean
}

export interface Output {
  stdout: (s: string) => void
  stderr: (s: string) => void
  /** Progress may rewrite one line (a terminal) instead of printing one line per file. */
  tty?: boolean
}

const processOutput: Output = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  tty: process.stderr.isTTY === true && !process.env.CI,
}

export interface ConformanceSettings {
  workers: number
  mode: ExecutionMode
  fork?: string
}

export function parseConformanceFlags(flags: ConformanceFlags): ConformanceSettings {
  const workers = flags.workers !== undefined ? parsePositiveInt(flags.workers, '--workers') : availableParallelism()
  const mode = flags.mode ?? 'sequential'
  if (mode !== 'sequential' && mode !== 'parallel') throw new UsageError(`--mode: "${mode}" is not one of sequential, parallel`)
  if (flags.fork !== undefined) {
    try {
      networkFilter(flags.fork)
    } catch (err) {
      if (err instanceof UnsupportedNetworkError) throw new UsageError(`--fork: ${err.message}`)
      throw err
    }
  }
  return { workers, mode, fork: flags.fork }
}

function progressLine(p: FileProgress): string {
  const failed = p.records.filter((r) => r.result === 'fail').length
  const passed = p.records.filter((r) => r.result === 'pass').length
  return `[${p.done}/${p.total}] ${p.file}: ${passed} passed${failed ? `, ${failed} FAILED` : ''} (${p.seconds.toFixed(1)} s)`
}

/** The whole command; returns the exit code (bad input throws, for the caller's exit-2 mapping). */
export async function conformanceCommand(paths: string[], flags: ConformanceFlags, out: Output = processOutput): Promise<number> {
  const settings = parseConformanceFlags(flags)
  const start = performance.now()
  const report = await runConformance({
    paths, ...settings,
    onFile: (p) => out.stderr(out.tty ? `\r\x1b[K${progressLine(p)}${p.done === p.total ? '\n' : ''}` : progressLine(p) + '\n'),
  })
  const s = report.summary
  const seconds = (performance.now() - start) / 1000
  const footer = `${s.total} tests: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped in ${seconds.toFixed(1)} s ` +
    `(${settings.mode} executor, ${settings.workers} worker${settings.workers === 1 ? '' : 's'})\n`
  if (flags.json) {
    out.stdout(JSON.stringify(report) + '\n')
    out.stderr(formatTable(s) + footer)
  } else {
    out.stdout(formatFailures(report.tests) + formatTable(s) + footer)
  }
  return s.failed > 0 ? EXIT.mismatch : EXIT.ok
}

export function register(program: Command): void {
  program
    .command('conformance')
    .description('run BlockchainTests JSON files (plain or .json.gz, files or folders)')
    .argument('<path...>', 'fixture files or folders of them')
    .option('--workers <k>', 'worker threads running tests (default: cores)')
    .option('--mode <mode>', 'block executor: sequential | parallel (default: sequential)')
    .option('--fork <name>', 'only tests of this network, e.g. Cancun or ShanghaiToCancunAtTime15k')
    .option('--json', 'one JSON document on stdout')
    .action(async (paths: string[], flags: ConformanceFlags) => {
      process.exitCode = await conformanceCommand(paths, flags)
    })
}
