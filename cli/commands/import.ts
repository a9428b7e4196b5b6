import type { Command } from 'commander'
import { Store } from '../../storage/store.js'
import { importFixtures } from '../../snapshots/import-fixtures.js'
import { dbPath } from '../options.js'

export function register(program: Command): void {
  program
    .command('import')
    .description('store fixture documents ({block, preState, blockHashes} .json.gz files or folders of them)')
    .argument('<path...>', 'files or folders')
    .option('--db <path>', 'SQLite database (default ./parevm.db or $PAREVM_DB)')
    .action((paths: string[], opts: { db?: string }) => {
      const store = Store.open(dbPath(opts.db))
      try {
        const r = importFixtures(store, paths)
        process.stderr.write(`imported ${r.files} file(s): ${r.stored} block(s) stored, ${r.alreadyStored} already stored\n`)
      } finally {
        store.close()
      }
    })
}
