/**
 * What the entries of a version-1 bundle are called and hold. Blobs travel as the exact bytes
 * the store holds (gzip'd JSON), so an imported block replays to the same digest.
 */
import type { StoredChain } from '../../storage/store.js'
import { BUNDLE_FORMAT, BundleError, END, isSegmentName, MANIFEST } from './format.js'

export const HEADER = 'bundle.json'

/** `bundle.json`: the first entry. */
export interface BundleHeader {
  format: typeof BUNDLE_FORMAT
  version: number
  createdAt: string
  /** The database schema version the blobs were written under. */
  schemaVersion: number
  chain: StoredChain
  from: number
  to: number
  blocks: number
  results: boolean
}

/** `block/<n>/meta.json`: the block row's plain columns. */
export interface BlockMeta {
  number: number
  hash: string
  parentHash: string
  timestamp: number
  txCount: number
  gasUsed: number
  source: string
  /** The prestate row's code_hashes column, as stored (a JSON list). */
  codeHashes: string
  witnessKind?: string
}

export const BLOB_PARTS = ['body', 'ommers', 'prestate', 'receipts', 'witness', 'trace'] as const
export type BlobPart = (typeof BLOB_PARTS)[number]

/** `run/<id>.json`: a runs row, columns as stored. */
export interface RunRow {
  id: number
  started_at: string
  finished_at: string | null
  mode: string
  workers: number
  from_block: number | null
  to_block: number | null
  status: string
  summary: string | null
}

/** `result/<run>/<block>.json`: a results row, columns as stored (JSON columns stay text). */
export interface ResultRow {
  block: number
  hash: string
  tx_count: number
  gas_used: number
  checks: string
  unchecked: string
  mismatches: string
  digest: string
  seconds: number
  stats: string | null
}

export type EntryName =
  | { kind: 'header' }
  | { kind: 'block-meta'; block: number }
  | { kind: 'block-blob'; block: number; part: BlobPart }
  | { kind: 'code'; hash: string }
  | { kind: 'hashes'; first: number; last: number }
  | { kind: 'run'; run: number }
  | { kind: 'result'; run: number; block: number }
  | { kind: 'segment' }
  | { kind: 'manifest' }
  | { kind: 'end' }

export const names = {
  blockMeta: (n: number): string => `block/${n}/meta.json`,
  blockBlob: (n: number, part: BlobPart): string => `block/${n}/${part}.json.gz`,
  code: (hash: string): string => `code/${hash}`,
  hashes: (first: number, last: number): string => `hashes/${first}-${last}.json`,
  run: (id: number): string => `run/${id}.json`,
  result: (run: number, block: number): string => `result/${run}/${block}.json`,
}

/** Every entry name a version-1 bundle may hold; anything else is refused. */
export function parseEntryName(name: string): EntryName {
  let m: RegExpMatchArray | null
  if (name === HEADER) return { kind: 'header' }
  if (name === MANIFEST) return { kind: 'manifest' }
  if (name === END) return { kind: 'end' }
  if (isSegmentName(name)) return { kind: 'segment' }
  if ((m = name.match(/^block\/(\d+)\/meta\.json$/))) return { kind: 'block-meta', block: Number(m[1]) }
  if ((m = name.match(/^block\/(\d+)\/(body|ommers|prestate|receipts|witness|trace)\.json\.gz$/))) {
    return { kind: 'block-blob', block: Number(m[1]), part: m[2] as BlobPart }
  }
  if ((m = name.match(/^code\/(0x[0-9a-f]{64})$/))) return { kind: 'code', hash: m[1]! }
  if ((m = name.match(/^hashes\/(\d+)-(\d+)\.json$/))) return { kind: 'hashes', first: Number(m[1]), last: Number(m[2]) }
  if ((m = name.match(/^run\/(\d+)\.json$/))) return { kind: 'run', run: Number(m[1]) }
  if ((m = name.match(/^result\/(\d+)\/(\d+)\.json$/))) return { kind: 'result', run: Number(m[1]), block: Number(m[2]) }
  throw new BundleError(`entry ${name}: not an entry of a version-1 bundle`)
}

export function parseJsonEntry<T>(name: string, data: Buffer): T {
  try {
    return JSON.parse(data.toString('utf8')) as T
  } catch (e) {
    throw new BundleError(`entry ${name}: not valid JSON (${(e as Error).message})`)
  }
}
