/**
 * `snapshot import`: two streaming passes over the file. The first verifies everything — every
 * entry's sha256 against its manifest segment, every segment against `manifest.json`, the
 * manifest against the end record, the entry names and the block structure — and stores
 * nothing. The second stores it all in one transaction (re-checking each segment as it goes,
 * in case the file changed in between). Importing twice stores once.
 */
import type Database from 'better-sqlite3'
import { ChainMismatchError, StoreInputError, type StoredChain, type Store } from '../../storage/store.js'
import {
  BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, readRecords, sha256, type Manifest, type ManifestEntry, type SegmentRef,
} from './format.js'
import {
  parseEntryName, parseJsonEntry, type BlobPart, type BlockMeta, type BundleHeader, type ResultRow, type RunRow,
} from './entries.js'

export interface VerifiedBundle {
  header: BundleHeader
  entries: number
  blocks: number
  codes: number
  runs: number
  results: number
}

export interface ImportSummary {
  file: string
  chainId: number
  from: number
  to: number
  blocks: { stored: number; already: number }
  codes: number
  hashes: number
  runs: { stored: number; already: number }
  results: number
}

/** First discrepancy between a segment's listing and the entries actually read, if any. */
export function compareSegment(segment: string, listed: ManifestEntry[], actual: ManifestEntry[]): string | undefined {
  for (let i = 0; i < Math.max(listed.length, actual.length); i++) {
    const l = listed[i]
    const a = actual[i]
    if (!a) return `entry ${l!.name}: listed in ${segment} but missing from the bundle`
    if (!l) return `entry ${a.name}: not listed in ${segment}`
    if (l.name !== a.name) return `entry ${a.name}: ${segment} lists ${l.name} at this position`
    if (l.size !== a.size) return `entry ${a.name}: ${a.size} bytes, ${segment} says ${l.size} (the bundle is tampered or corrupt)`
    if (l.sha256 !== a.sha256) return `entry ${a.name}: sha256 mismatch (the bundle is tampered or corrupt)`
  }
  return undefined
}

function readSegment(data: Buffer): ManifestEntry[] | undefined {
  try {
    const seg = JSON.parse(data.toString('utf8')) as { entries?: ManifestEntry[] }
    return Array.isArray(seg.entries) ? seg.entries : undefined
  } catch {
    return undefined
  }
}

/** Pass 1: verify the whole file; nothing is stored. */
export function verifyBundle(path: string): VerifiedBundle {
  let pending: ManifestEntry[] = []
  const segments: SegmentRef[] = []
  let entryProblem: string | undefined
  let structureProblem: string | undefined
  let manifestBytes: Buffer | undefined
  let endData: Buffer | undefined
  let headerData: Buffer | undefined
  let last = '(none)'
  let dataEntries = 0
  const counts = { blocks: 0, codes: 0, runs: 0, results: 0 }
  const runs = new Set<number>()
  let group: { block: number; parts: Set<BlobPart> } | undefined
  const note = (msg: string): void => {
    structureProblem ??= msg
  }
  const closeGroup = (): void => {
    if (group && (!group.parts.has('body') || !group.parts.has('prestate'))) note(`block ${group.block}: the bundle lacks its body or pre-state entry`)
    group = undefined
  }

  for (const e of readRecords(path)) {
    if (endData) throw new BundleError(`bundle ${path} holds data after its end record (entry ${e.name})`)
    const kind = parseEntryName(e.name)
    last = e.name
    if (kind.kind === 'end') {
      endData = e.data
      continue
    }
    if (manifestBytes) throw new BundleError(`bundle ${path}: entry ${e.name} follows manifest.json`)
    if (kind.kind === 'manifest') {
      manifestBytes = e.data
      continue
    }
    if (kind.kind === 'segment') {
      const hash = sha256(e.data)
      const listed = readSegment(e.data)
      segments.push({ name: e.name, sha256: hash, entries: pending.length })
      entryProblem ??= listed ? compareSegment(e.name, listed, pending) : `entry ${e.name}: not a manifest segment`
      pending = []
      continue
    }
    pending.push({ name: e.name, size: e.data.length, sha256: sha256(e.data) })
    dataEntries++
    if (kind.kind === 'header') {
      if (dataEntries !== 1) note(`entry ${e.name} is not the first entry`)
      headerData = e.data
      continue
    }
    if (kind.kind === 'block-meta') {
      closeGroup()
      group = { block: kind.block, parts: new Set() }
      counts.blocks++
    } else if (kind.kind === 'block-blob') {
      if (group?.block !== kind.block) note(`entry ${e.name} is not preceded by block/${kind.block}/meta.json`)
      else group.parts.add(kind.part)
    } else {
      closeGroup()
      if (kind.kind === 'code') counts.codes++
      else if (kind.kind === 'run') {
        runs.add(kind.run)
        counts.runs++
      } else if (kind.kind === 'result') {
        if (!runs.has(kind.run)) note(`entry ${e.name} precedes run/${kind.run}.json`)
        counts.results++
      }
    }
  }
  closeGroup()

  // Integrity from the top down, so the message names the entry that was actually altered.
  if (!endData) throw new BundleError(`bundle ${path} is truncated: it ends after entry ${last} (no end record)`)
  if (!manifestBytes) throw new BundleError(`bundle ${path} has no manifest.json`)
  if (endData.toString('ascii') !== sha256(manifestBytes)) throw new BundleError(`bundle ${path}: entry manifest.json: sha256 mismatch (the bundle is tampered or corrupt)`)
  const manifest = parseJsonEntry<Manifest>('manifest.json', manifestBytes)
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(`bundle ${path}: manifest.json is not of a ${BUNDLE_FORMAT}`)
  if (manifest.version !== BUNDLE_VERSION) {
    throw new BundleError(`bundle ${path} is format version ${manifest.version}; this parevm reads version ${BUNDLE_VERSION}`)
  }
  const listed = Array.isArray(manifest.segments) ? manifest.segments : []
  for (let i = 0; i < Math.max(listed.length, segments.length); i++) {
    const l = listed[i]
    const a = segments[i]
    if (!a) throw new BundleError(`bundle ${path}: entry ${l!.name}: listed in manifest.json but missing`)
    if (!l || l.name !== a.name) throw new BundleError(`bundle ${path}: entry ${a.name}: not listed in manifest.json`)
    if (l.sha256 !== a.sha256) throw new BundleError(`bundle ${path}: entry ${a.name}: sha256 mismatch (the bundle is tampered or corrupt)`)
  }
  if (pending.length > 0) throw new BundleError(`bundle ${path}: entry ${pending[0]!.name}: not listed in any manifest segment`)
  if (entryProblem) throw new BundleError(`bundle ${path}: ${entryProblem}`)
  if (manifest.entries !== dataEntries) throw new BundleError(`bundle ${path}: manifest.json lists ${manifest.entries} entries, the bundle holds ${dataEntries}`)
  if (!headerData) throw new BundleError(`bundle ${path} has no bundle.json`)
  if (structureProblem) throw new BundleError(`bundle ${path}: ${structureProblem}`)
  const header = checkHeader(path, parseJsonEntry<BundleHeader>('bundle.json', headerData))
  return { header, entries: dataEntries, ...counts }
}

function checkHeader(path: string, h: BundleHeader): BundleHeader {
  if (h.format !== BUNDLE_FORMAT || h.version !== BUNDLE_VERSION) {
    throw new BundleError(`bundle ${path}: bundle.json says ${h.format} version ${h.version}; this parevm reads ${BUNDLE_FORMAT} version ${BUNDLE_VERSION}`)
  }
  if (!h.chain || typeof h.chain.chainId !== 'number' || !h.chain.profile) throw new BundleError(`bundle ${path}: bundle.json names no chain`)
  return h
}

/** The database's chain must be the bundle's (or none yet): checked before anything is written. */
export function checkChain(have: StoredChain | undefined, bundle: StoredChain): void {
  if (!have) return
  if (have.chainId !== bundle.chainId) {
    throw new ChainMismatchError(`bundle is of chain id ${bundle.chainId}; the database holds chain id ${have.chainId} (use another --db)`)
  }
  if (JSON.stringify(have.profile) !== JSON.stringify(bundle.profile)) {
    throw new ChainMismatchError(`bundle has chain rules ${JSON.stringify(bundle.profile)}; the database holds ${JSON.stringify(have.profile)} (use another --db)`)
  }
}

interface BlockGroup {
  meta: BlockMeta
  blobs: Map<BlobPart, Buffer>
}

/** Pass 1 (unless the caller just ran it), then pass 2 in one transaction. */
export function importBundle(store: Store, path: string, verified: VerifiedBundle = verifyBundle(path)): ImportSummary {
  const { header } = verified
  checkChain(store.chain(), header.chain)
  const out: ImportSummary = {
    file: path, chainId: header.chain.chainId, from: header.from, to: header.to,
    blocks: { stored: 0, already: 0 }, codes: 0, hashes: 0, runs: { stored: 0, already: 0 }, results: 0,
  }
  const db = store.db
  db.transaction(() => {
    store.ensureChain(header.chain)
    const sql = statements(db)
    const runIds = new Map<number, number>()
    let pending: ManifestEntry[] = []
    let group: BlockGroup | undefined
    const flush = (): void => {
      if (group) storeBlock(sql, group, out)
      group = undefined
    }
    for (const e of readRecords(path)) {
      const kind = parseEntryName(e.name)
      if (kind.kind === 'manifest' || kind.kind === 'end') continue
      if (kind.kind === 'segment') {
        const problem = compareSegment(e.name, readSegment(e.data) ?? [], pending)
        if (problem) throw new BundleError(`bundle ${path} changed while importing: ${problem}`)
        pending = []
        continue
      }
      pending.push({ name: e.name, size: e.data.length, sha256: sha256(e.data) })
      if (kind.kind === 'block-blob') {
        group!.blobs.set(kind.part, e.data)
        continue
      }
      flush()
      switch (kind.kind) {
        case 'header':
          break
        case 'block-meta':
          group = { meta: parseJsonEntry<BlockMeta>(e.name, e.data), blobs: new Map() }
          break
        case 'code':
          out.codes += sql.code.run(kind.hash, e.data).changes
          break
        case 'hashes':
          out.hashes += storeHashes(sql, parseJsonEntry<Array<[number, string]>>(e.name, e.data))
          break
        case 'run':
          runIds.set(kind.run, storeRun(sql, parseJsonEntry<RunRow>(e.name, e.data), out))
          break
        case 'result': {
          const r = parseJsonEntry<ResultRow>(e.name, e.data)
          out.results += sql.result.run(runIds.get(kind.run)!, r.block, r.hash, r.tx_count, r.gas_used, r.checks, r.unchecked,
            r.mismatches, r.digest, r.seconds, r.stats).changes
          break
        }
      }
    }
    flush()
  })()
  return out
}

function statements(db: Database.Database) {
  return {
    blockHash: db.prepare('SELECT hash FROM blocks WHERE number = ?'),
    block: db.prepare(`INSERT INTO blocks (number, hash, parent_hash, timestamp, tx_count, gas_used, body, ommers, source)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    prestate: db.prepare('INSERT OR IGNORE INTO prestate (block, data, code_hashes) VALUES (?, ?, ?)'),
    // Never overwrite what the database already holds: an import only adds.
    receipts: db.prepare('INSERT OR IGNORE INTO receipts (block, data) VALUES (?, ?)'),
    witness: db.prepare('INSERT OR IGNORE INTO witnesses (block, kind, data) VALUES (?, ?, ?)'),
    trace: db.prepare('INSERT OR IGNORE INTO traces (block, data) VALUES (?, ?)'),
    code: db.prepare('INSERT OR IGNORE INTO code (hash, code) VALUES (?, ?)'),
    hashGet: db.prepare('SELECT hash FROM block_hashes WHERE number = ?'),
    hashPut: db.prepare('INSERT OR IGNORE INTO block_hashes (number, hash) VALUES (?, ?)'),
    runFind: db.prepare(`SELECT id FROM runs WHERE started_at = ? AND mode = ? AND workers = ? AND from_block IS ? AND to_block IS ?`),
    runPut: db.prepare(`INSERT INTO runs (started_at, finished_at, mode, workers, from_block, to_block, status, summary)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    result: db.prepare(`INSERT OR IGNORE INTO results (run_id, block, hash, tx_count, gas_used, checks, unchecked, mismatches, digest, seconds, stats)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
  }
}

type Statements = ReturnType<typeof statements>

function storeBlock(sql: Statements, g: BlockGroup, out: ImportSummary): void {
  const m = g.meta
  const have = sql.blockHash.get(m.number) as { hash: string } | undefined
  if (have && have.hash !== m.hash) {
    throw new StoreInputError(`block ${m.number}: the database holds hash ${have.hash}, the bundle ${m.hash} (a reorg or another chain)`)
  }
  if (have) out.blocks.already++
  else {
    sql.block.run(m.number, m.hash, m.parentHash, m.timestamp, m.txCount, m.gasUsed, g.blobs.get('body')!, g.blobs.get('ommers') ?? null, m.source)
    out.blocks.stored++
  }
  sql.prestate.run(m.number, g.blobs.get('prestate')!, m.codeHashes)
  const receipts = g.blobs.get('receipts')
  if (receipts) sql.receipts.run(m.number, receipts)
  const witness = g.blobs.get('witness')
  if (witness) {
    if (!m.witnessKind) throw new BundleError(`entry block/${m.number}/meta.json: a witness without its kind`)
    sql.witness.run(m.number, m.witnessKind, witness)
  }
  const trace = g.blobs.get('trace')
  if (trace) sql.trace.run(m.number, trace)
}

function storeHashes(sql: Statements, rows: Array<[number, string]>): number {
  let stored = 0
  for (const [n, h] of rows) {
    const have = sql.hashGet.get(n) as { hash: string } | undefined
    if (have && have.hash !== h) throw new StoreInputError(`block ${n}: the bundle's hash ${h} conflicts with the stored ${have.hash}`)
    stored += sql.hashPut.run(n, h).changes
  }
  return stored
}

/** A run is the same run when it started at the same instant with the same settings. */
function storeRun(sql: Statements, r: RunRow, out: ImportSummary): number {
  const have = sql.runFind.get(r.started_at, r.mode, r.workers, r.from_block, r.to_block) as { id: number } | undefined
  if (have) {
    out.runs.already++
    return have.id
  }
  out.runs.stored++
  return Number(sql.runPut.run(r.started_at, r.finished_at, r.mode, r.workers, r.from_block, r.to_block, r.status, r.summary).lastInsertRowid)
}
