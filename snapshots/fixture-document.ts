/**
 * The `{source, block, preState, blockHashes}` .json.gz document of ../shared/mainnet:
 * read, validated field by field, with errors that name the file and the reason.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

export class FixtureError extends Error {
  override name = 'FixtureError'
}

export interface FixtureDocument {
  source?: string
  block: Record<string, unknown> & { number: string; hash: string; timestamp: string; transactions: unknown[] }
  preState: Record<string, FixtureAccount | null>
  blockHashes: Record<string, string>
}

export interface FixtureAccount {
  balance: string
  nonce: number | string
  code?: string
  storage?: Record<string, string>
}

const HEX = /^0x[0-9a-fA-F]*$/
const HASH = /^0x[0-9a-fA-F]{64}$/

export function readFixtureFile(path: string): FixtureDocument {
  return validateFixture(readJsonDocument(path), path)
}

/** A `.json` or `.json.gz` file's parsed content, with errors naming the file. */
export function readJsonDocument(path: string): unknown {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw new FixtureError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  let text: string
  try {
    text = (path.endsWith('.gz') || (bytes[0] === 0x1f && bytes[1] === 0x8b) ? gunzipSync(bytes) : bytes).toString('utf8')
  } catch (e) {
    throw new FixtureError(`${path}: corrupt gzip: ${(e as Error).message}`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new FixtureError(`${path}: invalid JSON: ${(e as Error).message}`)
  }
  return doc
}

export function validateFixture(doc: unknown, path: string): FixtureDocument {
  const fail = (why: string): never => {
    throw new FixtureError(`${path}: ${why}`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('not a fixture document (expected an object)')
  const d = doc as Record<string, unknown>
  const block = d.block as Record<string, unknown> | undefined
  if (typeof block !== 'object' || block === null) fail('missing "block"')
  for (const f of ['number', 'hash', 'parentHash', 'timestamp', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'gasUsed', 'gasLimit', 'logsBloom', 'miner']) {
    if (typeof block![f] !== 'string' || !HEX.test(block![f] as string)) fail(`block.${f} is missing or not hex`)
  }
  if (!HASH.test(block!.hash as string)) fail('block.hash is not a 32-byte hash')
  if (!Array.isArray(block!.transactions)) fail('block.transactions is not a list')
  ;(block!.transactions as unknown[]).forEach((tx, i) => {
    if (typeof tx !== 'object' || tx === null) fail(`block.transactions[${i}] is not a full transaction object`)
  })
  const pre = d.preState
  if (typeof pre !== 'object' || pre === null || Array.isArray(pre)) fail('missing "preState"')
  for (const [addr, acc] of Object.entries(pre as Record<string, unknown>)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) fail(`preState key ${JSON.stringify(addr)} is not an address`)
    if (acc === null) continue
    const a = acc as Record<string, unknown>
    if (typeof a !== 'object') fail(`preState ${addr} is not an object`)
    if (a.balance !== undefined && (typeof a.balance !== 'string' || !HEX.test(a.balance))) fail(`preState ${addr}.balance is not hex`)
    if (a.code !== undefined && (typeof a.code !== 'string' || !HEX.test(a.code))) fail(`preState ${addr}.code is not hex`)
    if (a.storage !== undefined) {
      if (typeof a.storage !== 'object' || a.storage === null) fail(`preState ${addr}.storage is not an object`)
      for (const [k, v] of Object.entries(a.storage as Record<string, unknown>)) {
        if (!HEX.test(k) || typeof v !== 'string' || !HEX.test(v)) fail(`preState ${addr}.storage[${k}] is not hex`)
      }
    }
  }
  const hashes = d.blockHashes ?? {}
  if (typeof hashes !== 'object' || hashes === null) fail('"blockHashes" is not an object')
  for (const [n, h] of Object.entries(hashes as Record<string, unknown>)) {
    if (!/^\d+$/.test(n) || typeof h !== 'string' || !HASH.test(h)) fail(`blockHashes[${n}] is not a number → hash entry`)
  }
  return { source: d.source as string | undefined, block: block as FixtureDocument['block'], preState: pre as FixtureDocument['preState'], blockHashes: hashes as Record<string, string> }
}
