/**
 * The JSON-RPC client against recorded mainnet answers, directly and through a fault-injecting
 * proxy. Backoff settings are tiny so that the whole file runs in a few seconds.
 */

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { RpcClient, type RpcClientOptions } from '../core/fetch/rpc-client.js'
import {
  RpcInvalidParamsError,
  RpcMethodNotFoundError,
  RpcResponseError,
  RpcUnreachableError,
  redactUrl,
  summarizeParams,
} from '../core/fetch/rpc-errors.js'
import { backoffDelay, parseRetryAfter, retryDelay } from '../core/fetch/retry.js'
import type { RpcErrorKind } from '../core/fetch/rpc-stats.js'
import { type FaultProxy, TRANSIENT_FAULT_KINDS, startFaultProxy } from './support/fault-proxy.js'
import { type RecordedServer, startRecordedServer } from './support/recorded-server.js'

const DIR = '/work/shared/mainnet-rpc'

interface Call {
  method: string
  params: unknown[]
  result: any
}

function recording(file: string): Call[] {
  return JSON.parse(gunzipSync(readFileSync(`${DIR}/${file}`)).toString('utf8')).calls
}

// Block 2675000 (Spurious Dragon): its parent 0x28d137 has an account with five recorded slots.
const calls2675000 = recording('2675000.json.gz')
const PARENT = '0x28d137'
const TARGET = '0x28d138'
const proofWithSlots = calls2675000.find((c) => c.method === 'eth_getProof' && (c.params[1] as string[]).length >= 5 && c.params[2] === PARENT)!
const ADDRESS = proofWithSlots.params[0] as string
const SLOTS = proofWithSlots.params[1] as string[]
const targetBlock = calls2675000.find((c) => c.method === 'eth_getBlockByNumber' && c.params[0] === TARGET)!
// The DAO fork block, and a block with recorded receipts.
const daoBlock = recording('1920000.json.gz').find((c) => c.method === 'eth_getBlockByNumber' && c.params[0] === '0x1d4c00')!
const receiptsCalls = recording('receipts/18090206.json.gz')

/** Client settings for tests: fast retries, short deadline. */
const FAST: RpcClientOptions = { retries: 4, baseDelayMs: 5, maxDelayMs: 40, timeoutMs: 400, maxRetryAfterMs: 2000 }

let server: RecordedServer
const clients: RpcClient[] = []
const proxies: FaultProxy[] = []

function client(url: string, opts: RpcClientOptions = FAST): RpcClient {
  const c = new RpcClient(url, opts)
  clients.push(c)
  return c
}

async function proxy(opts: Parameters<typeof startFaultProxy>[1]): Promise<FaultProxy> {
  const p = await startFaultProxy(server.url, opts)
  proxies.push(p)
  return p
}

before(async () => {
  server = await startRecordedServer(DIR)
})

after(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await Promise.all(proxies.map((p) => p.close()))
  await server.close()
})

describe('recorded server, direct', () => {
  test('eth_chainId', async () => {
    assert.equal(await client(server.url).call('eth_chainId', []), '0x1')
  })

  test('blocks by number (any hex spelling), hashes-only derived from full, by hash', async () => {
    const rpc = client(server.url)
    assert.deepEqual(await rpc.call('eth_getBlockByNumber', ['0x1d4c00', true]), daoBlock.result)
    assert.deepEqual(await rpc.call('eth_getBlockByNumber', ['0x01D4C00', true]), daoBlock.result)
    const light = await rpc.call<any>('eth_getBlockByNumber', [TARGET, false])
    assert.deepEqual(light.transactions, targetBlock.result.transactions.map((tx: any) => tx.hash))
    assert.equal(light.stateRoot, targetBlock.result.stateRoot)
    assert.deepEqual(await rpc.call('eth_getBlockByHash', [targetBlock.result.hash, false]), light)
  })

  test('eth_getProof: recorded call verbatim, and any subset of recorded slots', async () => {
    const rpc = client(server.url)
    assert.deepEqual(await rpc.call('eth_getProof', proofWithSlots.params), proofWithSlots.result)
    const subset = await rpc.call<any>('eth_getProof', [ADDRESS.toUpperCase().replace('0X', '0x'), [SLOTS[3], SLOTS[1]], PARENT])
    assert.deepEqual(subset.storageProof, [proofWithSlots.result.storageProof[3], proofWithSlots.result.storageProof[1]])
    assert.deepEqual(subset.accountProof, proofWithSlots.result.accountProof)
    const none = await rpc.call<any>('eth_getProof', [ADDRESS, [], PARENT])
    assert.deepEqual(none.storageProof, [])
  })

  test('plain getters: recorded, or read from a recorded proof at the same block', async () => {
    const rpc = client(server.url)
    for (const m of ['eth_getBalance', 'eth_getTransactionCount', 'eth_getCode', 'eth_getStorageAt']) {
      const rec = calls2675000.find((c) => c.method === m)!
      assert.deepEqual(await rpc.call(m, rec.params), rec.result, m)
    }
    const post = calls2675000.find((c) => c.method === 'eth_getProof' && c.params[0] === ADDRESS && c.params[2] === TARGET)!
    assert.equal(await rpc.call('eth_getBalance', [ADDRESS, TARGET]), post.result.balance)
    assert.equal(await rpc.call('eth_getTransactionCount', [ADDRESS, TARGET]), post.result.nonce)
    // Code at the target block: the proof's codeHash there, joined with the code recorded at the parent.
    const code = calls2675000.find((c) => c.method === 'eth_getCode' && c.result.length > 2)!
    assert.equal(await rpc.call('eth_getCode', [code.params[0], TARGET]), code.result)
    // Only the hashes-only answer of this block is recorded: the full one is not invented.
    await assert.rejects(rpc.call('eth_getBlockByNumber', ['0x14e8d38', true]), RpcResponseError)
    assert.equal((await rpc.call<any>('eth_getBlockByNumber', ['0x14e8d38', false])).number, '0x14e8d38')
  })

  test('eth_getBlockReceipts', async () => {
    const rpc = client(server.url)
    const rec = receiptsCalls.find((c) => c.method === 'eth_getBlockReceipts')!
    const block = receiptsCalls.find((c) => c.method === 'eth_getBlockByNumber')!
    const receipts = await rpc.call<unknown[]>('eth_getBlockReceipts', rec.params)
    assert.deepEqual(receipts, rec.result)
    assert.equal(receipts.length, block.result.transactions.length)
  })

  test('batch: one HTTP request, results in call order', async () => {
    const rpc = client(server.url)
    const before = server.httpRequests
    const calls = [
      { method: 'eth_getProof', params: proofWithSlots.params },
      { method: 'eth_chainId', params: [] },
      { method: 'eth_getBlockByNumber', params: ['0x1d4c00', true] },
      { method: 'eth_getBlockReceipts', params: receiptsCalls[1]!.params },
    ]
    const results = await rpc.batch(calls)
    assert.deepEqual(results, [proofWithSlots.result, '0x1', daoBlock.result, receiptsCalls[1]!.result])
    assert.equal(server.httpRequests - before, 1)
    assert.equal(rpc.stats().batches, 1)
    assert.equal(rpc.stats().calls, 4)
  })

  test('batch: a failed entry rejects alone', async () => {
    const rpc = client(server.url)
    const calls = [
      { method: 'eth_chainId', params: [] },
      { method: 'eth_getProof', params: [ADDRESS, [`0x${'ab'.repeat(32)}`], PARENT] },
      { method: 'debug_traceBlockByNumber', params: [TARGET, {}] },
      { method: 'eth_getBalance', params: [ADDRESS, TARGET] },
    ]
    const settled = await rpc.batchSettled(calls)
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    )
    assert.ok((settled[1] as PromiseRejectedResult).reason instanceof RpcResponseError)
    assert.ok((settled[2] as PromiseRejectedResult).reason instanceof RpcMethodNotFoundError)
    await assert.rejects(rpc.batch(calls), RpcResponseError)
    assert.equal(rpc.stats().retries, 0)
  })

  test('unrecorded data: RpcResponseError with method and code, asked once', async () => {
    const rpc = client(server.url)
    server.resetLog()
    const err = await rpc.call('eth_getProof', [ADDRESS, [`0x${'12'.repeat(32)}`], PARENT]).catch((e: unknown) => e)
    assert.ok(err instanceof RpcResponseError && !(err instanceof RpcMethodNotFoundError))
    assert.equal(err.code, -32000)
    assert.equal(err.method, 'eth_getProof')
    assert.match(err.message, /^eth_getProof\(0x0b910cdb…/)
    assert.match(err.message, /-32000 not recorded/)
    assert.equal(server.httpRequests, 1, 'a JSON-RPC error must not be retried')
    assert.equal(server.unanswered().length, 1)
    assert.equal(rpc.stats().retries, 0)
    assert.equal(rpc.stats().errors.response, 1)
    await assert.rejects(rpc.call('eth_getBlockByNumber', ['latest', false]), RpcResponseError)
  })

  test('unknown method: RpcMethodNotFoundError; bad params: RpcInvalidParamsError', async () => {
    const rpc = client(server.url)
    await assert.rejects(rpc.call('debug_traceBlockByNumber', [TARGET, { tracer: 'prestateTracer' }]), RpcMethodNotFoundError)
    await assert.rejects(rpc.call('debug_executionWitness', [TARGET]), (e: unknown) => {
      assert.ok(e instanceof RpcMethodNotFoundError)
      assert.equal(e.code, -32601)
      return true
    })
    await assert.rejects(rpc.call('eth_getBalance', ['0xnothex', TARGET]), RpcInvalidParamsError)
    assert.deepEqual([rpc.stats().errors.methodNotFound, rpc.stats().errors.invalidParams], [2, 1])
  })

  test('node without batches: falls back to single calls for good', async () => {
    const noBatch = await startRecordedServer(DIR, { batch: false })
    try {
      const rpc = client(noBatch.url)
      const calls = SLOTS.map((slot) => ({ method: 'eth_getStorageAt', params: [ADDRESS, slot, PARENT] }))
      const expected = await client(server.url).batch(calls)
      assert.deepEqual(await rpc.batch(calls), expected)
      assert.equal(rpc.stats().batching, false)
      assert.equal(rpc.stats().errors.batchRejected, 1)
      const before = noBatch.httpRequests
      assert.deepEqual(await rpc.batch(calls), expected)
      assert.equal(noBatch.httpRequests - before, calls.length)
    } finally {
      await noBatch.close()
    }
  })

  test('node with a batch limit: batch size shrinks until accepted', async () => {
    const small = await startRecordedServer(DIR, { maxBatch: 3 })
    try {
      const rpc = client(small.url, { ...FAST, batchSize: 16 })
      const calls = Array.from({ length: 10 }, (_, i) => ({ method: 'eth_getStorageAt', params: [ADDRESS, SLOTS[i % 5], PARENT] }))
      const results = await rpc.batch(calls)
      assert.equal(results.length, 10)
      assert.equal(rpc.stats().batching, true)
      assert.ok(rpc.stats().batchSize <= 3)
    } finally {
      await small.close()
    }
  })

  test('rps limit spaces requests out', async () => {
    const rpc = client(server.url, { ...FAST, rps: 4, batchSize: 1 })
    const start = Date.now()
    await Promise.all(Array.from({ length: 6 }, () => rpc.call('eth_chainId', [])))
    assert.ok(Date.now() - start >= 900, `6 calls at 4 rps took ${Date.now() - start} ms`)
  })
})

describe('through the fault proxy', () => {
  const expectedKind: Record<string, RpcErrorKind> = {
    http429: 'http429',
    http500: 'http5xx',
    http502: 'http5xx',
    http503: 'http5xx',
    timeout: 'timeout',
    drop: 'network',
    truncated: 'badBody',
    garbage: 'badBody',
  }

  for (const kind of TRANSIENT_FAULT_KINDS) {
    test(`${kind}: retried, same answer`, async () => {
      const p = await proxy({ plan: [kind, kind] })
      const rpc = client(p.url)
      assert.deepEqual(await rpc.call('eth_getProof', proofWithSlots.params), proofWithSlots.result)
      const s = rpc.stats()
      assert.equal(s.retries, 2)
      assert.equal(s.errors[expectedKind[kind]!], 2)
      assert.equal(p.stats.injected[kind], 2)
    })
  }

  test('seeded random faults on single and batch calls: all answers identical', async () => {
    const p = await proxy({ seed: 42, rate: 0.4, kinds: TRANSIENT_FAULT_KINDS })
    const rpc = client(p.url, { ...FAST, retries: 10, timeoutMs: 300, batchSize: 3, concurrency: 6 })
    const proofs = calls2675000.filter((c) => c.method === 'eth_getProof').slice(0, 30)
    const [batched, singles] = await Promise.all([
      rpc.batch(proofs.map((c) => ({ method: c.method, params: c.params }))),
      Promise.all(proofs.map((c) => rpc.call(c.method, c.params))),
    ])
    const expected = proofs.map((c) => c.result)
    assert.deepEqual(batched, expected)
    assert.deepEqual(singles, expected)
    const injected = Object.values(p.stats.injected).reduce((a, b) => a + b, 0)
    const kindsSeen = TRANSIENT_FAULT_KINDS.filter((k) => p.stats.injected[k] > 0)
    assert.ok(kindsSeen.length >= 5, JSON.stringify(p.stats.injected))
    // Every injected fault costs exactly one failed attempt, hence one retry.
    assert.equal(rpc.stats().retries, injected)
  })

  test('corruptProof: arrives corrupted (the client cannot know; validation is downstream)', async () => {
    const p = await proxy({ plan: ['corruptProof'] })
    const rpc = client(p.url)
    const got = await rpc.call<any>('eth_getProof', proofWithSlots.params)
    assert.notDeepEqual(got, proofWithSlots.result)
    const differing = got.accountProof.filter((node: string, i: number) => node !== proofWithSlots.result.accountProof[i])
    assert.equal(differing.length, 1)
    assert.deepEqual({ ...got, accountProof: [] }, { ...proofWithSlots.result, accountProof: [] })
    assert.equal(rpc.stats().retries, 0)
  })

  test('Retry-After is honoured', async () => {
    const p = await proxy({ plan: ['http429'], retryAfter: '1' })
    const rpc = client(p.url)
    const start = Date.now()
    assert.equal(await rpc.call('eth_chainId', []), '0x1')
    assert.ok(Date.now() - start >= 950, `retried after ${Date.now() - start} ms`)
  })

  test('100% failures: RpcUnreachableError after retries, in bounded time', async () => {
    const p = await proxy({ seed: 7, rate: 1, kinds: ['http503'] })
    const rpc = client(p.url, { ...FAST, retries: 3 })
    const start = Date.now()
    const err = await rpc.call('eth_getBlockByNumber', [TARGET, false]).catch((e: unknown) => e)
    assert.ok(err instanceof RpcUnreachableError)
    assert.equal(err.attempts, 4)
    assert.equal(p.stats.requests, 4)
    assert.match(err.message, new RegExp(`${p.url.replace(/[/.]/g, '\\$&')} unreachable: eth_getBlockByNumber failed after 4 attempt\\(s\\): http5xx: HTTP 503`))
    assert.ok(Date.now() - start < 2000)
  })

  test('100% failures of every kind, batch included: bounded by retries x timeout', async () => {
    const p = await proxy({ seed: 3, rate: 1, kinds: TRANSIENT_FAULT_KINDS })
    const rpc = client(p.url, { ...FAST, retries: 3, timeoutMs: 250 })
    const start = Date.now()
    const calls = SLOTS.map((slot) => ({ method: 'eth_getStorageAt', params: [ADDRESS, slot, PARENT] }))
    await assert.rejects(rpc.batch(calls), RpcUnreachableError)
    await assert.rejects(rpc.call('eth_chainId', []), RpcUnreachableError)
    assert.ok(Date.now() - start < 4000, `took ${Date.now() - start} ms`)
  })
})

describe('other node behaviours', () => {
  test('rate-limit JSON-RPC errors are retried, a 401 is not, a 400 with a JSON-RPC body is classified', async () => {
    const seen: Record<string, number> = {}
    const node = createHttpServer((req, res) => {
      let text = ''
      req.on('data', (c: Buffer) => (text += c))
      req.on('end', () => {
        const { id, method } = JSON.parse(text) as { id: number; method: string }
        seen[method] = (seen[method] ?? 0) + 1
        const reply = (status: number, body: unknown) => res.writeHead(status).end(JSON.stringify(body))
        if (method === 'auth') res.writeHead(401).end('Unauthorized')
        else if (method === 'bad') reply(400, { jsonrpc: '2.0', id, error: { code: -32602, message: 'invalid argument 0' } })
        else if (seen[method]! < 3) reply(200, { jsonrpc: '2.0', id, error: { code: -32005, message: 'request rate limited' } })
        else reply(200, { jsonrpc: '2.0', id, result: 'ok' })
      })
    })
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve))
    try {
      const rpc = client(`http://127.0.0.1:${(node.address() as AddressInfo).port}/`)
      assert.equal(await rpc.call('limited', []), 'ok')
      assert.equal(rpc.stats().errors.rateLimited, 2)
      await assert.rejects(rpc.call('auth', []), (e: unknown) => e instanceof RpcUnreachableError && e.attempts === 1)
      await assert.rejects(rpc.call('bad', []), RpcInvalidParamsError)
      assert.deepEqual(seen, { limited: 3, auth: 1, bad: 1 })
    } finally {
      node.closeAllConnections()
      await new Promise((resolve) => node.close(resolve))
    }
  })
})

describe('unreachable node and helpers', () => {
  test('closed port: RpcUnreachableError quickly, URL without credentials', async () => {
    const port = await freePort()
    const rpc = client(`http://alice:s3cret@127.0.0.1:${port}/`, { ...FAST, retries: 2 })
    const start = Date.now()
    const err = await rpc.call('eth_chainId', []).catch((e: unknown) => e)
    assert.ok(err instanceof RpcUnreachableError)
    assert.ok(Date.now() - start < 1500)
    assert.doesNotMatch(err.message, /s3cret|alice/)
    assert.match(err.message, new RegExp(`http://127\\.0\\.0\\.1:${port}/ unreachable: eth_chainId failed after 3 attempt\\(s\\): .*ECONNREFUSED`))
    assert.equal(rpc.stats().errors.network, 3)
  })

  test('backoff, Retry-After, redaction, param summaries', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 }
    assert.equal(backoffDelay(0, policy, () => 0), 50)
    assert.equal(backoffDelay(2, policy, () => 1), 400)
    assert.equal(backoffDelay(20, policy, () => 1), 1000)
    assert.equal(retryDelay(0, policy, 3000, () => 0), 3000)
    assert.equal(retryDelay(0, policy, 99_000, () => 0), 5000)
    assert.equal(parseRetryAfter('2'), 2000)
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000)
    assert.equal(parseRetryAfter('soon'), undefined)
    assert.equal(redactUrl('https://u:p@mainnet.infura.io/v3/0123456789abcdef0123456789abcdef?key=x'), 'https://mainnet.infura.io/v3/***?key=***')
    assert.equal(summarizeParams([ADDRESS, SLOTS, PARENT]), `0x0b910cdb…ef2898, [5 items], ${PARENT}`)
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

