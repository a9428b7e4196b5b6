import type { Command } from 'commander'
import { availableParallelism } from 'node:os'
import { Store } from '../../storage/store.js'
import { replayStored, type ReplayOptions } from '../../core/replay/run-replay.js'
import type { BlockReport } from '../../core/replay/replay-block.js'
import { UsageError, EXIT } from '../errors.js'
import { dbPath, parsePositiveInt, parseRange } from '../options.js'
import { parallelHooks } from '../parallel.js'

export interface ReplayFlags {
  db?: string
  from?: string
  to?: string
  workers?: string
  mode?: string
  json?: boolean
}

export function resolveMode(flags: { mode?: string; workers?: string }): { mode: 'sequential' | 'parallel'; workers: number } {
  const cores = availableParallelism()
  const workers = flags.workers !== undefined ? parsePositiveInt(flags.workers, '--workers') : cores
  if (flags.mode !== undefined && flags.mode !== 'sequential' && flags.mode !== 'parallel') {
    throw new UsageError(`--mode: "${flags.mode}" is not one of sequential, parallel`)
  }
  // Parallel is the default when more than one core is present.
  const mode = (flags.mode as 'sequential' | 'parallel' | undefined) ?? (cores > 1 ? 'parallel' : 'sequential')
  return { mode, workers: mode === 'sequential' ? 1 : workers }
}

export function blockJson(r: BlockReport): Record<string, unknown> {
  return {
    number: r.number, hash: r.hash, txs: r.txs, gasUsed: r.gasUsed, checks: r.checks,
    unchecked: r.unchecked, digest: r.digest, mismatches: r.mismatches,
  }
}

export function progressLine(r: BlockReport, done: number, total: number): string {
  const bad = Object.entries(r.checks).filter(([, v]) => v === 'mismatch').map(([k]) => k)
  const verdict = bad.length ? `MISMATCH ${bad.join(',')}` : 'ok'
  return `[${done}/${total}] block ${r.number}: ${r.txs} txs, ${(r.gasUsed / 1e6).toFixed(2)} Mgas, ${(r.seconds.total * 1000).toFixed(0)} ms, ${verdict}\n`
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('re-execute the stored blocks and verify them; records the run in the database')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--from <n>', 'first block (inclusive)')
    .option('--to <n>', 'last block (inclusive)')
    .option('--workers <k>', 'worker threads (default: cores)')
    .option('--mode <mode>', 'sequential | parallel (default: parallel when more than one core)')
    .option('--json', 'one JSON document on stdout')
    .action(async (flags: ReplayFlags) => {
      const range = parseRange(flags.from, flags.to)
      const { mode, workers } = resolveMode(flags)
      const store = Store.open(dbPath(flags.db), { mustExist: true })
      const hooks = mode === 'parallel' ? await parallelHooks(workers) : undefined
      try {
        const opts: ReplayOptions = {
          ...range, mode, workers, ...hooks?.options,
          onBlock: (r, done, total) => process.stderr.write(progressLine(r, done, total)),
        }
        const out = await replayStored(store, opts)
        const s = out.summary
        if (flags.json) {
          process.stdout.write(JSON.stringify({ mode, workers, run: out.runId, blocks: out.reports.map(blockJson), summary: s }, null, 2) + '\n')
        } else {
          process.stdout.write(`run ${out.runId}: ${s.blocks} blocks, ${s.matched} matched, ${s.mismatched} mismatched, ` +
            `${(s.gas / 1e6).toFixed(1)} Mgas in ${s.seconds.toFixed(2)} s (${s.mgasPerSecond} Mgas/s)\n`)
        }
        process.exitCode = s.mismatched > 0 ? EXIT.mismatch : EXIT.ok
      } finally {
        await hooks?.close()
        store.close()
      }
    })
}
