/** The bench corpus: ../shared/mainnet imported into a fresh temporary database. */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Store } from '../../storage/store.js'
import { importFixtures } from '../../snapshots/import-fixtures.js'
import { UsageError } from '../../cli/errors.js'

/** ../shared beside the project checkout (dist/core/bench → project root → ..). */
export function defaultSharedDir(): string {
  return process.env.PAREVM_SHARED ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared')
}

export function corpusDb(dataDir: string): string {
  if (!existsSync(dataDir)) throw new UsageError(`bench data ${dataDir} not found (pass --data DIR with the mainnet fixture documents)`)
  const db = join(mkdtempSync(join(tmpdir(), 'parevm-bench-')), 'corpus.db')
  const store = Store.open(db)
  try {
    importFixtures(store, [dataDir])
  } finally {
    store.close()
  }
  return db
}
