import type { Command } from 'commander'
import { Store } from '../../storage/store.js'
import { auditStored } from '../../core/replay/audit.js'
import { EmptyRangeError } from '../../core/replay/run-replay.js'
import { EXIT } from '../errors.js'
import { dbPath, parsePositiveInt, parseRange } from '../options.js'

export function register(program: Command): void {
  program
    .command('audit')
    .description('determinism audit: replay R times across worker counts and perturbed schedules; exit 1 on any digest difference')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--from <n>', 'first block (inclusive)')
    .option('--to <n>', 'last block (inclusive)')
    .option('--runs <r>', 'replays in all (the first is the sequential reference)', '5')
    .option('--seed <s>', 'base seed of the perturbed schedules', '1')
    .option('--json', 'one JSON document on stdout')
    .action(async (flags: { db?: string; from?: string; to?: string; runs: string; seed: string; json?: boolean }) => {
      const range = parseRange(flags.from, flags.to)
      const runs = parsePositiveInt(flags.runs, '--runs')
      const seed = parsePositiveInt(flags.seed, '--seed')
      const store = Store.open(dbPath(flags.db), { mustExist: true })
      try {
        const numbers = store.blockNumbers(range.from, range.to)
        if (!store.chain() || numbers.length === 0) throw new EmptyRangeError('no stored blocks in the range: import or fetch blocks first')
        const result = await auditStored(store, numbers, runs, seed, (c, done, total) => {
          if (done === total) process.stderr.write(`audit: ${c.label}: ${total} blocks replayed\n`)
        })
        if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
        else {
          for (const d of result.differences) process.stdout.write(`block ${d.block}: ${d.config} digest ${d.digest} ≠ reference ${d.reference}\n`)
          for (const e of result.errors) process.stdout.write(`block ${e.block}: ${e.config} failed: ${e.error}\n`)
          process.stdout.write(`audit: ${result.blocks} blocks × ${result.runs} replays, ${result.differences.length} digest differences, ` +
            `${result.errors.length} errors in ${result.seconds.toFixed(1)} s\n`)
        }
        process.exitCode = result.differences.length > 0 || result.errors.length > 0 ? EXIT.mismatch : EXIT.ok
      } finally {
        store.close()
      }
    })
}
