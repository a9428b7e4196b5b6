/**
 * `snapshot export`: the stored inputs of a block range (and optionally the runs' results for
 * those blocks) as a bundle, streamed block by block so a long range costs bounded memory.
 */
import type Database from 'better-sqlite3'
import { SCHEMA_VERSION } from '../../storage/schema.js'
import type { Store } from '../../storage/store.js'
import { BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, BundleWriter } from './format.js'
import { HEADER, names, type BlobPart, type BlockMeta, type BundleHeader, type ResultRow, type RunRow } from './entries.js'

export interface ExportOptions {
  from: number
  to: number
  out: string
  results?: boolean
}

export interface ExportSummary {
  file: string
  bytes: number
  blocks: number
  codes: number
  hashes: number
  runs: number
  results: number
}

/** BLOCKHASH reaches 256 blocks back: the ancestors a range's replay may ask for. */
const ANCESTORS = 256
const HASHES_PER_ENTRY = 10_000
/** Codes already written, to write each once; cleared when full (a repeat is harmless). */
const CODE_MEMORY = 100_000

export function exportBundle(store: Store, opts: ExportOptions): ExportSummary {
  const chain = store.chain()
  const numbers = store.blockNumbers(opts.from, opts.to)
  if (!chain || numbers.length === 0) throw new BundleError(`no stored blocks in ${opts.from}..${opts.to}: nothing to export`)
  const db = store.db
  const w = new BundleWriter(opts.out)
  const out: ExportSummary = { file: opts.out, bytes: 0, blocks: 0, codes: 0, hashes: 0, runs: 0, results: 0 }
  try {
    const header: BundleHeader = {
      format: BUNDLE_FORMAT, version: BUNDLE_VERSION, createdAt: new Date().toISOString(), schemaVersion: SCHEMA_VERSION,
      chain, from: opts.from, to: opts.to, blocks: numbers.length, results: opts.results === true,
    }
    w.addJson(HEADER, header)
    out.hashes = writeHashes(db, w, Math.max(0, opts.from - ANCESTORS), opts.to)
    const seenCode = new Set<string>()
    const q = blockStatements(db)
    for (const n of numbers) {
      out.codes += writeBlock(q, w, n, seenCode)
      out.blocks++
    }
    if (opts.results) {
      const r = writeResults(db, w, opts.from, opts.to)
      out.runs = r.runs
      out.results = r.results
    }
    w.finish()
  } catch (e) {
    w.abort()
    throw e
  }
  out.bytes = w.bytes
  return out
}

function writeHashes(db: Database.Database, w: BundleWriter, first: number, last: number): number {
  const page = db.prepare('SELECT number, hash FROM block_hashes WHERE number >= ? AND number <= ? ORDER BY number LIMIT ?')
  let next = first
  let total = 0
  for (;;) {
    const rows = page.all(next, last, HASHES_PER_ENTRY) as Array<{ number: number; hash: string }>
    if (rows.length === 0) return total
    const lo = rows[0]!.number
    const hi = rows[rows.length - 1]!.number
    w.addJson(names.hashes(lo, hi), rows.map((r) => [r.number, r.hash]))
    total += rows.length
    next = hi + 1
  }
}

function blockStatements(db: Database.Database) {
  return {
    block: db.prepare('SELECT * FROM blocks WHERE number = ?'),
    prestate: db.prepare('SELECT data, code_hashes FROM prestate WHERE block = ?'),
    receipts: db.prepare('SELECT data FROM receipts WHERE block = ?'),
    witness: db.prepare('SELECT kind, data FROM witnesses WHERE block = ?'),
    trace: db.prepare('SELECT data FROM traces WHERE block = ?'),
    code: db.prepare('SELECT code FROM code WHERE hash = ?'),
  }
}

/** One block's rows as entries, then any code it references not yet written; returns codes written. */
function writeBlock(q: ReturnType<typeof blockStatements>, w: BundleWriter, n: number, seenCode: Set<string>): number {
  const b = q.block.get(n) as Record<string, unknown>
  const pre = q.prestate.get(n) as { data: Buffer; code_hashes: string } | undefined
  if (!pre) throw new BundleError(`block ${n} has no stored pre-state: the database is incomplete`)
  const receipts = q.receipts.get(n) as { data: Buffer } | undefined
  const witness = q.witness.get(n) as { kind: string; data: Buffer } | undefined
  const trace = q.trace.get(n) as { data: Buffer } | undefined
  const meta: BlockMeta = {
    number: n, hash: b.hash as string, parentHash: b.parent_hash as string, timestamp: b.timestamp as number,
    txCount: b.tx_count as number, gasUsed: b.gas_used as number, source: b.source as string, codeHashes: pre.code_hashes,
    ...(witness ? { witnessKind: witness.kind } : {}),
  }
  w.addJson(names.blockMeta(n), meta)
  const blobs: Array<[BlobPart, Buffer | null | undefined]> = [
    ['body', b.body as Buffer], ['ommers', b.ommers as Buffer | null], ['prestate', pre.data],
    ['receipts', receipts?.data], ['witness', witness?.data], ['trace', trace?.data],
  ]
  for (const [part, data] of blobs) if (data) w.add(names.blockBlob(n, part), data)
  let written = 0
  for (const hash of JSON.parse(pre.code_hashes) as string[]) {
    if (seenCode.has(hash)) continue
    const row = q.code.get(hash) as { code: Buffer } | undefined
    // Absent here means absent in the source too: the bundle replays exactly as the source does.
    if (!row) continue
    if (seenCode.size >= CODE_MEMORY) seenCode.clear()
    seenCode.add(hash)
    w.add(names.code(hash), row.code)
    written++
  }
  return written
}

function writeResults(db: Database.Database, w: BundleWriter, from: number, to: number): { runs: number; results: number } {
  const runIds = (db.prepare('SELECT DISTINCT run_id FROM results WHERE block >= ? AND block <= ? ORDER BY run_id').all(from, to) as Array<{ run_id: number }>)
    .map((r) => r.run_id)
  const runRow = db.prepare('SELECT * FROM runs WHERE id = ?')
  const page = db.prepare(`SELECT block, hash, tx_count, gas_used, checks, unchecked, mismatches, digest, seconds, stats
    FROM results WHERE run_id = ? AND block >= ? AND block <= ? ORDER BY block LIMIT 1000`)
  let results = 0
  for (const id of runIds) {
    w.addJson(names.run(id), runRow.get(id) as RunRow)
    let next = from
    for (;;) {
      const rows = page.all(id, next, to) as ResultRow[]
      if (rows.length === 0) break
      for (const r of rows) w.addJson(names.result(id, r.block), r)
      results += rows.length
      next = rows[rows.length - 1]!.block + 1
    }
  }
  return { runs: runIds.length, results }
}
