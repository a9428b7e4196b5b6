/**
 * A JSON-RPC server on 127.0.0.1 that answers only from recorded mainnet answers
 * (/work/shared/mainnet-rpc, see its README). Anything not recorded is a JSON-RPC error, so a
 * fetcher that asks for more than it needs fails loudly; `requestLog` lets tests check that.
 */

import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { keccak256 } from 'ethereum-cryptography/keccak.js'

export const DEFAULT_RECORDINGS_DIR = '/work/shared/mainnet-rpc'

interface RecordedCall {
  method: string
  params: unknown[]
  result: unknown
}

interface Recording {
  source: string
  chainId: number
  block: number
  calls: RecordedCall[]
}

type Json = Record<string, unknown>

interface StorageEntry {
  key: string
  value: string
  proof: string[]
}

/** Everything recorded about one account at one block, merged from all its eth_getProof answers. */
interface AccountAtBlock {
  /** The first recorded answer, whose fields (balance, nonce, accountProof, ...) are reused. */
  proof: Json
  /** Normalised slot → recorded storageProof entry. */
  slots: Map<string, StorageEntry>
}

interface RecordedBlock {
  full?: Json
  hashesOnly?: Json
}

export interface LoggedRequest {
  method: string
  params: unknown
  /** Whether the server had an answer (false: JSON-RPC error). */
  answered: boolean
  error?: { code: number; message: string }
}

export interface RecordedServerOptions {
  /** Answer batches (default true); false mimics a node that rejects them. */
  batch?: boolean
  /** Largest batch accepted; bigger ones get "batch too large". Default unlimited. */
  maxBatch?: number
}

export interface RecordedServer {
  url: string
  close(): Promise<void>
  /** Every JSON-RPC call received (batch entries one by one), in arrival order. */
  requestLog: LoggedRequest[]
  /** HTTP requests received (a batch counts once). */
  readonly httpRequests: number
  /** The calls that were answered with an error. */
  unanswered(): LoggedRequest[]
  /** Empties requestLog and the counter. */
  resetLog(): void
  /** The indexed recordings, for tests that want expected values. */
  readonly index: RecordingIndex
}

class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

const KECCAK_EMPTY = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
const ZERO_HASH = `0x${'0'.repeat(64)}`

// ---------------------------------------------------------------------------------------------
// Normalisation: the recordings and the clients spell the same number in different ways.

function fail(message: string): never {
  throw new RpcFailure(-32602, message)
}

/** "0x01D4c00" → "0x1d4c00". */
export function normQuantity(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return `0x${value.toString(16)}`
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) fail(`invalid quantity: ${JSON.stringify(value)}`)
  return `0x${BigInt(value).toString(16)}`
}

export function normAddress(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) fail(`invalid address: ${JSON.stringify(value)}`)
  return value.toLowerCase()
}

/** A storage slot as 32 bytes: "0x0207" and "0x00…0207" are the same slot. */
export function normSlot(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) fail(`invalid storage key: ${JSON.stringify(value)}`)
  return `0x${value.slice(2).toLowerCase().padStart(64, '0')}`
}

function normHash(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) fail(`invalid hash: ${JSON.stringify(value)}`)
  return value.toLowerCase()
}

// ---------------------------------------------------------------------------------------------
// The index of all recordings.

export class RecordingIndex {
  chainId = 1
  readonly blocks = new Map<string, RecordedBlock>()
  readonly numberByHash = new Map<string, string>()
  readonly accounts = new Map<string, AccountAtBlock>()
  /** "method|address|[slot|]block" → recorded result of the plain getters. */
  readonly plain = new Map<string, unknown>()
  readonly codeByHash = new Map<string, string>()
  readonly receipts = new Map<string, unknown>()
  readonly files: string[] = []

  static load(dir: string): RecordingIndex {
    const index = new RecordingIndex()
    const files = listGz(dir)
    if (existsSync(join(dir, 'receipts'))) files.push(...listGz(join(dir, 'receipts')))
    if (files.length === 0) throw new Error(`no *.json.gz recordings in ${dir}`)
    files.forEach((file, i) => {
      const rec = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Recording
      if (i === 0) index.chainId = rec.chainId
      index.files.push(file)
      for (const call of rec.calls) index.add(call)
    })
    return index
  }

  private add({ method, params, result }: RecordedCall): void {
    switch (method) {
      case 'eth_getBlockByNumber':
        return this.addBlock(result as Json | null, params[1] === true)
      case 'eth_getProof':
        return this.addProof(normAddress(params[0]), normQuantity(params[2]), result as Json)
      case 'eth_getBlockReceipts':
        this.receipts.set(normQuantity(params[0]), result)
        return
      case 'eth_getCode':
        if (typeof result === 'string') this.codeByHash.set(hashHex(result), result)
        this.plain.set(plainKey(method, params), result)
        return
      case 'eth_getBalance':
      case 'eth_getTransactionCount':
      case 'eth_getStorageAt':
        this.plain.set(plainKey(method, params), result)
        return
      default:
        throw new Error(`recording holds an unsupported method ${method}`)
    }
  }

  private addBlock(block: Json | null, full: boolean): void {
    if (block === null) return
    const number = normQuantity(block.number)
    const entry = this.blocks.get(number) ?? {}
    if (full) entry.full = block
    else entry.hashesOnly = block
    this.blocks.set(number, entry)
    this.numberByHash.set(normHash(block.hash), number)
  }

  private addProof(address: string, block: string, proof: Json): void {
    const key = `${address}@${block}`
    const entry = this.accounts.get(key) ?? { proof, slots: new Map<string, StorageEntry>() }
    for (const item of (proof.storageProof as StorageEntry[] | undefined) ?? []) {
      entry.slots.set(normSlot(item.key), item)
    }
    this.accounts.set(key, entry)
  }

  /** The block for a tag: a quantity, or an EIP-1898 object {blockNumber} / {blockHash}. */
  blockNumberOf(tag: unknown): string {
    if (typeof tag === 'object' && tag !== null) {
      const t = tag as Json
      if (t.blockNumber !== undefined) return normQuantity(t.blockNumber)
      if (t.blockHash !== undefined) {
        const n = this.numberByHash.get(normHash(t.blockHash))
        if (n === undefined) notRecorded('block', [t.blockHash])
        return n
      }
    }
    if (typeof tag === 'string' && !tag.startsWith('0x')) notRecorded('block tag', [tag])
    return normQuantity(tag)
  }
}

function listGz(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => join(dir, f))
}

function hashHex(code: string): string {
  return `0x${Buffer.from(keccak256(Buffer.from(code.slice(2), 'hex'))).toString('hex')}`
}

function plainKey(method: string, params: readonly unknown[]): string {
  const [address, ...rest] = params
  const block = rest.pop()
  const slot = method === 'eth_getStorageAt' ? [normSlot(rest[0])] : []
  return [method, normAddress(address), ...slot, normQuantity(block)].join('|')
}

function notRecorded(method: string, params: readonly unknown[]): never {
  throw new RpcFailure(-32000, `not recorded: ${method} ${JSON.stringify(params)}`)
}

// ---------------------------------------------------------------------------------------------
// Answers.

type Handler = (index: RecordingIndex, params: unknown[], method: string) => unknown

const HANDLERS: Record<string, Handler> = {
  eth_chainId: (index) => `0x${index.chainId.toString(16)}`,
  net_version: (index) => String(index.chainId),
  eth_getBlockByNumber: (index, params, method) => blockAnswer(index, index.blockNumberOf(params[0]), params, method),
  eth_getBlockByHash: (index, params, method) => {
    const number = index.numberByHash.get(normHash(params[0]))
    if (number === undefined) notRecorded(method, params)
    return blockAnswer(index, number, params, method)
  },
  eth_getBlockReceipts: (index, params, method) => {
    const receipts = index.receipts.get(index.blockNumberOf(params[0]))
    if (receipts === undefined) notRecorded(method, params)
    return receipts
  },
  eth_getProof: (index, params, method) => {
    const account = index.accounts.get(`${normAddress(params[0])}@${index.blockNumberOf(params[2])}`)
    if (account === undefined || !Array.isArray(params[1])) notRecorded(method, params)
    // Any subset of the recorded slots, in the order asked for.
    const storageProof = params[1].map((slot) => account.slots.get(normSlot(slot)) ?? notRecorded(method, params))
    return { ...account.proof, storageProof }
  },
  eth_getBalance: (index, params, method) =>
    plainOrProof(index, method, params, (account) => account.proof.balance),
  eth_getTransactionCount: (index, params, method) =>
    plainOrProof(index, method, params, (account) => account.proof.nonce),
  eth_getStorageAt: (index, params, method) =>
    plainOrProof(index, method, params, (account) => account.slots.get(normSlot(params[1]))?.value),
  eth_getCode: (index, params, method) =>
    plainOrProof(index, method, params, (account) => {
      const codeHash = String(account.proof.codeHash).toLowerCase()
      // Old nodes report codeHash 0x00…00 for absent accounts.
      return codeHash === KECCAK_EMPTY || codeHash === ZERO_HASH ? '0x' : index.codeByHash.get(codeHash)
    }),
}

function blockAnswer(index: RecordingIndex, number: string, params: unknown[], method: string): unknown {
  const block = index.blocks.get(number)
  const fullTxs = params[1] === true
  if (block === undefined) notRecorded(method, params)
  if (fullTxs) return block.full ?? notRecorded(method, params)
  if (block.hashesOnly !== undefined) return block.hashesOnly
  if (block.full === undefined) notRecorded(method, params)
  // Same block, hashes only: derive it from the full answer.
  const txs = block.full.transactions as Array<{ hash: string }>
  return { ...block.full, transactions: txs.map((tx) => tx.hash) }
}

/** A recorded plain answer, else the same fact read from a recorded eth_getProof at that block. */
function plainOrProof(
  index: RecordingIndex,
  method: string,
  params: unknown[],
  fromProof: (account: AccountAtBlock) => unknown,
): unknown {
  const blockTag = params[params.length - 1]
  const normalised = [...params.slice(0, -1), index.blockNumberOf(blockTag)]
  const key = plainKey(method, normalised)
  if (index.plain.has(key)) return index.plain.get(key)
  const account = index.accounts.get(`${normAddress(params[0])}@${index.blockNumberOf(blockTag)}`)
  const value = account === undefined ? undefined : fromProof(account)
  return value ?? notRecorded(method, params)
}

/** Methods of the eth namespace a node knows: unrecorded, not unknown (-32000, not -32601). */
function isKnownNamespace(method: string): boolean {
  return /^(eth|net|web3)_/.test(method)
}

function answerOne(index: RecordingIndex, request: unknown, log: LoggedRequest[]): Json {
  const req = (typeof request === 'object' && request !== null ? request : {}) as Json
  const id = req.id ?? null
  const method = typeof req.method === 'string' ? req.method : '<none>'
  const params = req.params ?? []
  try {
    if (typeof req.method !== 'string' || req.jsonrpc !== '2.0') throw new RpcFailure(-32600, 'invalid request')
    if (!Array.isArray(params)) throw new RpcFailure(-32602, 'params must be an array')
    const handler = HANDLERS[method]
    if (handler === undefined) {
      if (isKnownNamespace(method)) notRecorded(method, params)
      throw new RpcFailure(-32601, `the method ${method} does not exist/is not available`)
    }
    const result = handler(index, params, method)
    log.push({ method, params, answered: true })
    return { jsonrpc: '2.0', id, result }
  } catch (err) {
    const failure = err instanceof RpcFailure ? err : new RpcFailure(-32603, `internal error: ${String(err)}`)
    const error = { code: failure.code, message: failure.message }
    log.push({ method, params, answered: false, error })
    return { jsonrpc: '2.0', id, error }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const indexCache = new Map<string, RecordingIndex>()

/** Starts the server on 127.0.0.1 with a random free port. The index is loaded once per dir. */
export async function startRecordedServer(
  dir: string = DEFAULT_RECORDINGS_DIR,
  options: RecordedServerOptions = {},
): Promise<RecordedServer> {
  const index = indexCache.get(dir) ?? RecordingIndex.load(dir)
  indexCache.set(dir, index)
  const requestLog: LoggedRequest[] = []
  let httpRequests = 0

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end()
      return
    }
    readBody(req).then(
      (text) => {
        httpRequests++
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
          return
        }
        if (!Array.isArray(body)) {
          sendJson(res, 200, answerOne(index, body, requestLog))
          return
        }
        const refusal = batchRefusal(body.length, options)
        if (refusal !== undefined) sendJson(res, 200, { jsonrpc: '2.0', id: null, error: refusal })
        else sendJson(res, 200, body.map((item) => answerOne(index, item, requestLog)))
      },
      () => res.destroy(),
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/`,
    requestLog,
    get httpRequests() {
      return httpRequests
    },
    unanswered: () => requestLog.filter((r) => !r.answered),
    resetLog: () => {
      requestLog.length = 0
      httpRequests = 0
    },
    index,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function batchRefusal(size: number, options: RecordedServerOptions): { code: number; message: string } | undefined {
  if (size === 0) return { code: -32600, message: 'empty batch' }
  if (options.batch === false) return { code: -32600, message: 'batch requests are not supported' }
  if (options.maxBatch !== undefined && size > options.maxBatch) return { code: -32600, message: 'batch too large' }
  return undefined
}
