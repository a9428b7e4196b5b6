/**
 * `parevm import`: fixture documents (files or folders of `.json.gz`) into the store: the
 * `{block, preState, blockHashes}` format, and recorded RPC answers (`{chainId, block, calls}`). Every
 * file is read and validated before anything is written, and all are stored in one
 * transaction: a bad file leaves the database as it was. Importing twice stores once.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { hexToBytes } from '@ethereumjs/util'
import type { AccountData } from '../core/types.js'
import { codeHashOf, toAddress, toWord } from '../core/execute/prestate.js'
import { EMPTY_CODE_HASH, ZERO_WORD } from '../core/execute/state-layer.js'
import { encodePreState } from '../storage/codec.js'
import type { BlockRecord, Store } from '../storage/store.js'
import { FixtureError, readJsonDocument, validateFixture, type FixtureDocument } from './fixture-document.js'
import { isRecording, recordingToRecord } from './import-recording.js'

export const MAINNET_CHAIN = { chainId: 1, profile: { kind: 'mainnet' as const } }

/** Expands folders into their `.json.gz`/`.json` documents (sorted); files are taken as given. */
export function listFixtureFiles(paths: string[]): string[] {
  const out: string[] = []
  for (const p of paths) {
    let st
    try {
      st = statSync(p)
    } catch {
      throw new FixtureError(`${p}: no such file or folder`)
    }
    if (st.isDirectory()) {
      const files = readdirSync(p).filter((f) => /\.json(\.gz)?$/.test(f) && f !== 'manifest.json').sort(byNumber)
      if (files.length === 0) throw new FixtureError(`${p}: folder holds no .json.gz fixture documents`)
      out.push(...files.map((f) => join(p, f)))
    } else out.push(p)
  }
  return out
}

function byNumber(a: string, b: string): number {
  return (parseInt(a, 10) || 0) - (parseInt(b, 10) || 0) || a.localeCompare(b)
}

export function fixtureToRecord(doc: FixtureDocument, file: string): BlockRecord {
  const accounts = new Map<string, AccountData | null>()
  const storage = new Map<string, Map<string, string>>()
  const codes = new Map<string, Uint8Array>()
  try {
    for (const [addr, acc] of Object.entries(doc.preState)) {
      const address = toAddress(addr)
      if (acc === null) {
        accounts.set(address, null)
        continue
      }
      let codeHash: string = EMPTY_CODE_HASH
      if (acc.code && acc.code !== '0x') {
        const code = hexToBytes(acc.code as `0x${string}`)
        codeHash = codeHashOf(code)
        codes.set(codeHash as string, code)
      }
      accounts.set(address, { nonce: BigInt(acc.nonce ?? 0), balance: BigInt(acc.balance ?? 0), codeHash })
      const slots = new Map<string, string>()
      for (const [k, v] of Object.entries(acc.storage ?? {})) {
        const w = toWord(v)
        if (w !== ZERO_WORD) slots.set(toWord(k), w)
      }
      if (slots.size > 0) storage.set(address, slots)
    }
  } catch (e) {
    throw new FixtureError(`${file}: preState: ${(e as Error).message}`)
  }
  const b = doc.block
  return {
    number: Number(BigInt(b.number)),
    hash: b.hash.toLowerCase(),
    parentHash: String(b.parentHash).toLowerCase(),
    timestamp: Number(BigInt(b.timestamp)),
    txCount: b.transactions.length,
    gasUsed: Number(BigInt(b.gasUsed as string)),
    body: b,
    prestate: encodePreState(accounts, storage),
    codes,
    hashes: new Map(Object.entries(doc.blockHashes).map(([n, h]) => [Number(n), h.toLowerCase()])),
    source: doc.source ?? `fixture ${file}`,
  }
}

export interface ImportResult {
  files: number
  stored: number
  alreadyStored: number
}

export function importFixtures(store: Store, paths: string[], onFile?: (file: string) => void): ImportResult {
  const files = listFixtureFiles(paths)
  // Read and validate everything first: nothing is written unless every file is good.
  const records = files.map((f) => {
    onFile?.(f)
    const doc = readJsonDocument(f)
    if (isRecording(doc)) {
      if (doc.chainId !== 1) throw new FixtureError(`${f}: recording of chain ${doc.chainId}; only mainnet recordings are imported`)
      return recordingToRecord(doc, f)
    }
    return fixtureToRecord(validateFixture(doc, f), f)
  })
  let stored = 0
  store.db.transaction(() => {
    store.ensureChain(MAINNET_CHAIN)
    for (const r of records) if (store.putBlock(r)) stored++
  })()
  return { files: files.length, stored, alreadyStored: records.length - stored }
}
