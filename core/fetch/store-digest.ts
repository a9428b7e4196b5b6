/**
 * A digest of what a fetch stored, table by table, for comparing two databases: a resumed or
 * faulted fetch must store exactly what an uninterrupted one does. Run records are left out.
 */
import { createHash } from 'node:crypto'
import type { Store } from '../../storage/store.js'

/** Tables a fetch writes, each with the columns that order its rows. */
const TABLES: Array<[table: string, orderBy: string]> = [
  ['meta', 'key'], ['blocks', 'number'], ['prestate', 'block'], ['code', 'hash'], ['block_hashes', 'number'],
  ['receipts', 'block'], ['witnesses', 'block'], ['traces', 'block'],
]

export interface TableDigest {
  rows: number
  sha256: string
}

export function storeDigest(store: Store): Record<string, TableDigest> {
  const out: Record<string, TableDigest> = {}
  for (const [table, orderBy] of TABLES) {
    const hash = createHash('sha256')
    let rows = 0
    for (const row of store.db.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy}`).iterate() as Iterable<Record<string, unknown>>) {
      rows++
      for (const [k, v] of Object.entries(row)) {
        hash.update(k).update('=')
        hash.update(v instanceof Uint8Array ? Buffer.from(v) : String(v)).update('\0')
      }
      hash.update('\n')
    }
    out[table] = { rows, sha256: hash.digest('hex') }
  }
  return out
}
