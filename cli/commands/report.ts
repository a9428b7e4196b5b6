import type { Command } from 'commander'
import { renameSync, writeFileSync } from 'node:fs'
import { Store } from '../../storage/store.js'
import { buildReport, isReportFormat, renderReport, ReportError, REPORT_FORMATS, type ReportFormat, type ReportModel } from '../../core/report/index.js'
import { EXIT, UsageError } from '../errors.js'
import { dbPath, parsePositiveInt } from '../options.js'

export interface ReportFlags {
  db?: string
  run?: string
  format?: string
  json?: boolean
  out?: string
}

export function resolveFormat(flags: ReportFlags): ReportFormat {
  if (flags.json && flags.format !== undefined && flags.format !== 'json') {
    throw new UsageError(`--json conflicts with --format ${flags.format}`)
  }
  const format = flags.json ? 'json' : flags.format ?? 'md'
  if (!isReportFormat(format)) throw new UsageError(`--format: "${format}" is not one of ${REPORT_FORMATS.join(', ')}`)
  return format
}

/** Written beside the target and renamed, so a reader never sees half a report. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

export function register(program: Command): void {
  program
    .command('report')
    .description('render a recorded run (default: the latest) as json, md or html; exit 1 when it has mismatches')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--run <id>', 'run id (default: the latest run)')
    .option('--format <fmt>', 'json | md | html (default md)')
    .option('--json', 'same as --format json')
    .option('--out <file>', 'write the report to this file (default: stdout)')
    .action((flags: ReportFlags) => {
      // Flags first: a bad flag is reported without touching the database.
      const format = resolveFormat(flags)
      const runId = flags.run === undefined ? undefined : parsePositiveInt(flags.run, '--run')
      const store = Store.open(dbPath(flags.db), { mustExist: true })
      try {
        let model: ReportModel
        try {
          model = buildReport(store, runId)
        } catch (e) {
          if (e instanceof ReportError) throw new UsageError(e.message)
          throw e
        }
        const text = renderReport(model, format)
        if (flags.out) {
          writeAtomically(flags.out, text)
          process.stderr.write(`report of run ${model.run.id} (${model.summary.blocks} blocks) written to ${flags.out}\n`)
        } else process.stdout.write(text)
        process.exitCode = model.summary.mismatched > 0 ? EXIT.mismatch : EXIT.ok
      } finally {
        store.close()
      }
    })
}
