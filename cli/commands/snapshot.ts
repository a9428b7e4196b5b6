import type { Command } from 'commander'
import { Store } from '../../storage/store.js'
import { exportBundle, importBundle, verifyBundle } from '../../snapshots/bundle/index.js'
import { UsageError } from '../errors.js'
import { dbPath, parseRange } from '../options.js'

export interface ExportFlags {
  db?: string
  from: string
  to: string
  out: string
  results?: boolean
  json?: boolean
}

export interface ImportFlags {
  db?: string
  json?: boolean
}

export function register(program: Command): void {
  const snapshot = program
    .command('snapshot')
    .description('portable bundles of stored blocks (and results): export a range, import it elsewhere')

  snapshot
    .command('export')
    .description('write the stored inputs of a block range (and with --results, its runs\' results) to a bundle')
    .requiredOption('--from <n>', 'first block (inclusive)')
    .requiredOption('--to <n>', 'last block (inclusive)')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--results', 'include the runs and results recorded for these blocks')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--json', 'one JSON document on stdout')
    .action((flags: ExportFlags) => {
      const { from, to } = parseRange(flags.from, flags.to)
      const store = Store.open(dbPath(flags.db), { mustExist: true })
      try {
        const s = exportBundle(store, { from: from!, to: to!, out: flags.out, results: flags.results === true })
        if (flags.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n')
        else {
          process.stdout.write(`bundle ${s.file}: ${s.blocks} block(s), ${s.codes} code(s), ${s.hashes} block hash(es)` +
            `${flags.results ? `, ${s.runs} run(s) with ${s.results} result(s)` : ''}; ${s.bytes} bytes\n`)
        }
      } finally {
        store.close()
      }
    })

  snapshot
    .command('import')
    .description('verify a bundle completely, then store it in one transaction (idempotent)')
    .argument('<file>', 'bundle written by `snapshot export`')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .option('--json', 'one JSON document on stdout')
    .action((file: string, flags: ImportFlags) => {
      if (!file) throw new UsageError('snapshot import: which bundle file?')
      // Verify before opening the database: a bad bundle must not even create an empty one.
      const verified = verifyBundle(file)
      const store = Store.open(dbPath(flags.db))
      try {
        const s = importBundle(store, file, verified)
        if (flags.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n')
        else {
          process.stdout.write(`imported ${file} (chain id ${s.chainId}, blocks ${s.from}..${s.to}): ` +
            `${s.blocks.stored} block(s) stored, ${s.blocks.already} already stored; ${s.codes} code(s), ${s.hashes} block hash(es), ` +
            `${s.runs.stored} run(s) stored, ${s.runs.already} already stored, ${s.results} result(s)\n`)
        }
      } finally {
        store.close()
      }
    })
}
