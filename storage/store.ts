/**
 * The SQLite store (better-sqlite3, WAL, foreign keys on): typed queries over the schema.
 * Every multi-row write is one transaction, so a crash leaves a block either whole or absent.
 */
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import type { ChainProfile } from '../core/execute/chain.js'
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js'
import { pack, type RawBlock } from './codec.js'

export class SchemaError extends Error {
  override name = 'SchemaError'
}
export class ChainMismatchError extends Error {
  override name = 'ChainMismatchError'
}
export class StoreInputError extends Error {
  override name = 'StoreInputError'
}

export interface StoredChain {
  chainId: number
  profile: ChainProfile
}

/** Everything a block's replay and verification need, as it goes into the store. */
export interface BlockRecord {
  number: number
  hash: string
  parentHash: string
  timestamp: number
  txCount: number
  gasUsed: number
  body: unknown
  prestate: unknown
  /** Every code the pre-state references, by hash. */
  codes: Map<string, Uint8Array>
  /** Ancestor (and own) canonical hashes. */
  hashes: Map<number, string>
  ommers?: Array<{ number: string; coinbase: string }>
  receipts?: unknown
  witness?: { kind: string; data: unknown }
  trace?: unknown
  source: string
}

export interface BlockSummary {
  number: number
  hash: string
  txCount: number
  gasUsed: number
  hasReceipts: boolean
  hasWitness: boolean
}

export interface RunRecord {
  id: number
  startedAt: string
  finishedAt: string | null
  mode: string
  workers: number
  fromBlock: number | null
  toBlock: number | null
  status: string
  summary: unknown
}

export interface ResultRecord {
  block: number
  hash: string
  txCount: number
  gasUsed: number
  checks: Record<string, string>
  unchecked: Record<string, string>
  mismatches: unknown[]
  digest: string
  seconds: number
  stats?: unknown
}

export interface OpenOptions {
  readonly?: boolean
  /** Refuse to create a new database (commands that only read). */
  mustExist?: boolean
}

export class Store {
  readonly db: Database.Database

  private constructor(db: Database.Database) {
    this.db = db
  }

  static open(path: string, opts: OpenOptions = {}): Store {
    if ((opts.mustExist || opts.readonly) && path !== ':memory:' && !existsSync(path)) {
      throw new StoreInputError(`database ${path} does not exist (import or fetch blocks first)`)
    }
    let db: Database.Database
    try {
      db = new Database(path, { readonly: opts.readonly === true, fileMustExist: opts.mustExist === true })
    } catch (e) {
      throw new StoreInputError(`cannot open database ${path}: ${(e as Error).message}`)
    }
    try {
      const version = db.pragma('user_version', { simple: true }) as number
      if (version > SCHEMA_VERSION) {
        throw new SchemaError(`database ${path} has schema version ${version}, newer than this parevm supports (${SCHEMA_VERSION}): upgrade parevm`)
      }
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = NORMAL')
        db.pragma('foreign_keys = ON')
        db.pragma('busy_timeout = 5000')
        migrate(db, version)
      } else if (version < SCHEMA_VERSION) {
        throw new SchemaError(`database ${path} has schema version ${version}; open it once read-write to migrate`)
      }
    } catch (e) {
      db.close()
      if (e instanceof SchemaError) throw e
      const err = e as { code?: string; message: string }
      if (err.code === 'SQLITE_NOTADB') throw new StoreInputError(`${path} is not a parevm database (not SQLite)`)
      if (err.code === 'SQLITE_READONLY' || err.code === 'SQLITE_CANTOPEN') {
        throw new StoreInputError(`database ${path} is not writable: ${err.message}`)
      }
      throw e
    }
    return new Store(db)
  }

  close(): void {
    this.db.close()
  }

  chain(): StoredChain | undefined {
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'chain'`).get() as { value: string } | undefined
    return row ? (JSON.parse(row.value) as StoredChain) : undefined
  }

  /** Refuses data of another chain than the one stored (if any); writes nothing. */
  checkChain(chain: StoredChain): void {
    const have = this.chain()
    if (have) {
      if (have.chainId !== chain.chainId) {
        throw new ChainMismatchError(`database holds chain id ${have.chainId}; refusing data of chain id ${chain.chainId} (use another --db)`)
      }
      if (JSON.stringify(have.profile) !== JSON.stringify(chain.profile)) {
        throw new ChainMismatchError(`database holds chain rules ${JSON.stringify(have.profile)}; refusing ${JSON.stringify(chain.profile)} (use another --db)`)
      }
    }
  }

  /** Records the chain on first use; afterwards data of another chain is refused. */
  ensureChain(chain: StoredChain): void {
    this.checkChain(chain)
    if (this.chain()) return
    this.db.prepare(`INSERT INTO meta (key, value) VALUES ('chain', ?)`).run(JSON.stringify(chain))
  }

  hasBlock(number: number): boolean {
    return this.db.prepare('SELECT 1 FROM blocks WHERE number = ?').get(number) !== undefined
  }

  /** Stores a block and all its inputs in one transaction; a block already stored is left as is. */
  putBlock(rec: BlockRecord): boolean {
    return this.db.transaction((): boolean => {
      const existing = this.db.prepare('SELECT hash FROM blocks WHERE number = ?').get(rec.number) as { hash: string } | undefined
      if (existing) {
        if (existing.hash !== rec.hash) {
          throw new StoreInputError(`block ${rec.number}: stored hash ${existing.hash} differs from ${rec.hash} (a reorg or another chain)`)
        }
        this.putExtras(rec)
        return false
      }
      this.db.prepare(`INSERT INTO blocks (number, hash, parent_hash, timestamp, tx_count, gas_used, body, ommers, source)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        rec.number, rec.hash, rec.parentHash, rec.timestamp, rec.txCount, rec.gasUsed,
        pack(rec.body), rec.ommers ? pack(rec.ommers) : null, rec.source,
      )
      this.db.prepare('INSERT INTO prestate (block, data, code_hashes) VALUES (?, ?, ?)').run(rec.number, pack(rec.prestate), JSON.stringify([...rec.codes.keys()]))
      const code = this.db.prepare('INSERT OR IGNORE INTO code (hash, code) VALUES (?, ?)')
      for (const [h, c] of rec.codes) code.run(h, c)
      this.putExtras(rec)
      return true
    })()
  }

  private putExtras(rec: BlockRecord): void {
    const hash = this.db.prepare('INSERT INTO block_hashes (number, hash) VALUES (?, ?) ON CONFLICT(number) DO NOTHING')
    const check = this.db.prepare('SELECT hash FROM block_hashes WHERE number = ?')
    for (const [n, h] of [...rec.hashes, [rec.number, rec.hash] as [number, string]]) {
      const have = check.get(n) as { hash: string } | undefined
      if (have && have.hash !== h) throw new StoreInputError(`block ${n}: hash ${h} conflicts with stored ${have.hash}`)
      hash.run(n, h)
    }
    if (rec.receipts !== undefined) {
      this.db.prepare('INSERT OR REPLACE INTO receipts (block, data) VALUES (?, ?)').run(rec.number, pack(rec.receipts))
    }
    if (rec.witness !== undefined) {
      this.db.prepare('INSERT OR REPLACE INTO witnesses (block, kind, data) VALUES (?, ?, ?)').run(rec.number, rec.witness.kind, pack(rec.witness.data))
    }
    if (rec.trace !== undefined) {
      this.db.prepare('INSERT OR REPLACE INTO traces (block, data) VALUES (?, ?)').run(rec.number, pack(rec.trace))
    }
  }

  blockNumbers(from?: number, to?: number): number[] {
    const rows = this.db.prepare('SELECT number FROM blocks WHERE number >= ? AND number <= ? ORDER BY number')
      .all(from ?? 0, to ?? Number.MAX_SAFE_INTEGER) as Array<{ number: number }>
    return rows.map((r) => r.number)
  }

  blockSummaries(from?: number, to?: number): BlockSummary[] {
    const rows = this.db.prepare(`SELECT b.number, b.hash, b.tx_count, b.gas_used,
        EXISTS(SELECT 1 FROM receipts r WHERE r.block = b.number) AS has_receipts,
        EXISTS(SELECT 1 FROM witnesses w WHERE w.block = b.number) AS has_witness
      FROM blocks b WHERE b.number >= ? AND b.number <= ? ORDER BY b.number`)
      .all(from ?? 0, to ?? Number.MAX_SAFE_INTEGER) as Array<Record<string, number | string>>
    return rows.map((r) => ({
      number: r.number as number, hash: r.hash as string, txCount: r.tx_count as number, gasUsed: r.gas_used as number,
      hasReceipts: r.has_receipts === 1, hasWitness: r.has_witness === 1,
    }))
  }

  /** The stored bytes of a block's inputs, undecoded (cheap; decoding happens where it runs). */
  rawBlock(number: number): RawBlock {
    const b = this.db.prepare('SELECT body, ommers FROM blocks WHERE number = ?').get(number) as { body: Buffer; ommers: Buffer | null } | undefined
    if (!b) throw new StoreInputError(`block ${number} is not stored`)
    const pre = this.db.prepare('SELECT data, code_hashes FROM prestate WHERE block = ?').get(number) as { data: Buffer; code_hashes: string }
    const codeRows = this.db.prepare(`SELECT c.hash, c.code FROM code c WHERE c.hash IN (SELECT value FROM json_each(?))`)
      .all(pre.code_hashes) as Array<{ hash: string; code: Buffer }>
    const hashes = this.db.prepare('SELECT number, hash FROM block_hashes WHERE number >= ? AND number < ?')
      .all(Math.max(0, number - 256), number) as Array<{ number: number; hash: string }>
    const receipts = this.db.prepare('SELECT data FROM receipts WHERE block = ?').get(number) as { data: Buffer } | undefined
    const witness = this.db.prepare('SELECT kind, data FROM witnesses WHERE block = ?').get(number) as { kind: string; data: Buffer } | undefined
    return {
      number,
      body: b.body,
      prestate: pre.data,
      codes: codeRows.map((r) => [r.hash, r.code]),
      hashes: hashes.map((r) => [r.number, r.hash]),
      ommers: b.ommers,
      receipts: receipts?.data ?? null,
      witness: witness ? { kind: witness.kind, data: witness.data } : null,
    }
  }

  trace(number: number): Buffer | undefined {
    return (this.db.prepare('SELECT data FROM traces WHERE block = ?').get(number) as { data: Buffer } | undefined)?.data
  }

  createRun(mode: string, workers: number, from: number | null, to: number | null): number {
    const r = this.db.prepare(`INSERT INTO runs (started_at, mode, workers, from_block, to_block, status) VALUES (?, ?, ?, ?, ?, 'running')`)
      .run(new Date().toISOString(), mode, workers, from, to)
    return Number(r.lastInsertRowid)
  }

  /** The latest unfinished run of this mode over exactly this range (to resume), if any. */
  resumableRun(mode: string, from: number, to: number): number | undefined {
    const row = this.db.prepare(`SELECT id FROM runs WHERE mode = ? AND from_block = ? AND to_block = ? AND status IN ('running', 'stopped', 'failed')
      AND id = (SELECT MAX(id) FROM runs WHERE mode = ? AND from_block = ? AND to_block = ?)`).get(mode, from, to, mode, from, to) as { id: number } | undefined
    if (row) this.db.prepare(`UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?`).run(row.id)
    return row?.id
  }

  putResult(runId: number, r: ResultRecord): void {
    this.db.prepare(`INSERT OR REPLACE INTO results (run_id, block, hash, tx_count, gas_used, checks, unchecked, mismatches, digest, seconds, stats)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      runId, r.block, r.hash, r.txCount, r.gasUsed, JSON.stringify(r.checks), JSON.stringify(r.unchecked),
      JSON.stringify(r.mismatches), r.digest, r.seconds, r.stats === undefined ? null : JSON.stringify(r.stats),
    )
  }

  finishRun(runId: number, status: string, summary: unknown): void {
    this.db.prepare(`UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?`)
      .run(new Date().toISOString(), status, JSON.stringify(summary), runId)
  }

  run(id?: number): RunRecord | undefined {
    const row = (id === undefined
      ? this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 1').get()
      : this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id)) as Record<string, unknown> | undefined
    if (!row) return undefined
    return {
      id: row.id as number, startedAt: row.started_at as string, finishedAt: row.finished_at as string | null,
      mode: row.mode as string, workers: row.workers as number, fromBlock: row.from_block as number | null,
      toBlock: row.to_block as number | null, status: row.status as string,
      summary: row.summary ? JSON.parse(row.summary as string) : null,
    }
  }

  results(runId: number): ResultRecord[] {
    const rows = this.db.prepare('SELECT * FROM results WHERE run_id = ? ORDER BY block').all(runId) as Array<Record<string, unknown>>
    return rows.map((r) => ({
      block: r.block as number, hash: r.hash as string, txCount: r.tx_count as number, gasUsed: r.gas_used as number,
      checks: JSON.parse(r.checks as string), unchecked: JSON.parse(r.unchecked as string),
      mismatches: JSON.parse(r.mismatches as string), digest: r.digest as string, seconds: r.seconds as number,
      stats: r.stats ? JSON.parse(r.stats as string) : undefined,
    }))
  }
}

function migrate(db: Database.Database, from: number): void {
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}
