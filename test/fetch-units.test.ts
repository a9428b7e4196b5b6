/**
 * The fetcher's parts on their own: the in-order window, the lazy state, header hashing,
 * chain detection (and its exit codes through the CLI) against a scripted JSON-RPC stub.
 */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { runWindow } from '../core/fetch/fetcher.js'
import { LazyState } from '../core/fetch/lazy-state.js'
import { detectChain } from '../core/fetch/chain-detect.js'
import { FetchInputError, ValidationError } from '../core/fetch/fetch-errors.js'
import { validateHeader, validateOmmers } from '../core/fetch/validate.js'
import type { Block } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { keccak256 } from 'ethereum-cryptography/keccak.js'
import { RpcClient } from '../core/fetch/rpc-client.js'
import { ChainRulesError } from '../core/execute/chain.js'
import { needShared, sharedPath } from './support/shared.js'
import { tempDb } from './support/cli.js'
import { parevmAsync } from './support/cli.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const ZERO = '0x' + '0'.repeat(64)

describe('runWindow', () => {
  test('commits in order, keeps at most `window` items in flight', async () => {
    let inFlight = 0
    let peak = 0
    const committed: number[] = []
    await runWindow([1, 2, 3, 4, 5, 6, 7, 8], 3, undefined, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await sleep((9 - n) * 3) // later items finish first
      inFlight--
      return n * 10
    }, (r) => committed.push(r))
    assert.deepEqual(committed, [10, 20, 30, 40, 50, 60, 70, 80])
    assert.ok(peak <= 3, `peak ${peak}`)
  })

  test('a failure stops new work, keeps what came before it, and is thrown after in-flight work settles', async () => {
    const started: number[] = []
    const committed: number[] = []
    let settled = 0
    await assert.rejects(runWindow([1, 2, 3, 4, 5, 6, 7, 8], 2, undefined, async (n) => {
      started.push(n)
      await sleep(5)
      settled++
      if (n === 4) throw new Error('boom at 4')
      return n
    }, (r) => committed.push(r)), /boom at 4/)
    assert.deepEqual(committed, [1, 2, 3])
    assert.ok(!started.includes(7) && !started.includes(8), `started ${started}`)
    assert.equal(settled, started.length, 'nothing left running')
  })

  test('an aborted signal stops before the next item', async () => {
    const ac = new AbortController()
    const committed: number[] = []
    await assert.rejects(runWindow([1, 2, 3, 4], 1, ac.signal, async (n) => n, (r) => {
      committed.push(r)
      if (r === 2) ac.abort(new Error('stop'))
    }), /stop/)
    assert.deepEqual(committed, [1, 2])
  })
})

describe('LazyState', () => {
  test('misses answer placeholders in order; reads per segment replace earlier runs', () => {
    const s = new LazyState()
    s.beginRun(0)
    s.enterSegment(-1)
    assert.equal(s.getAccount('0xaa'), undefined)
    s.enterSegment(0)
    assert.equal(s.getStorage('0xbb', ZERO), ZERO)
    assert.deepEqual(s.blockHash(5n), new Uint8Array(32))
    assert.deepEqual(s.runMisses().map((m) => m.key), ['a:0xaa', `s:0xbb:${ZERO}`, 'h:5'])
    assert.equal(s.firstMissSegment(), -1)
    assert.equal(s.lastMissSegment(), 0)

    s.setAccount('0xaa', null)
    s.setAccount('0xbb', { nonce: 1n, balance: 2n, codeHash: '0x' + 'c5'.repeat(32), storageRoot: '0x' + '11'.repeat(32) })
    s.setSlot('0xbb', ZERO, '0x' + '0'.repeat(63) + '7')
    s.beginRun(0)
    s.enterSegment(-1)
    assert.equal(s.getAccount('0xaa'), undefined)
    s.enterSegment(0)
    assert.equal(s.getStorage('0xbb', ZERO), '0x' + '0'.repeat(63) + '7')
    // An absent account's slots are zero without a fetch.
    assert.equal(s.getStorage('0xaa', '0x' + '0'.repeat(63) + '1'), ZERO)
    assert.deepEqual(s.runMisses(), [])
    assert.deepEqual([...s.readAccounts].sort(), ['0xaa', '0xbb'])
    assert.deepEqual(s.readHashes, new Set(), 'segment 0 was re-run without the hash read')
  })
})

describe('header hashes', needShared('mainnet-rpc', '19426587.json.gz'), () => {
  const rec = JSON.parse(gunzipSync(readFileSync(sharedPath('mainnet-rpc', '19426587.json.gz'))).toString('utf8')) as { calls: Array<{ method: string; result: Record<string, unknown> }> }
  const header = rec.calls.find((c) => c.method === 'eth_getBlockByNumber' && c.result.number === '0x1286d1b')!.result

  test('recomputed from the fields of any fork; a changed field or hash is refused, naming block and field', () => {
    const h = validateHeader(header, { block: 19426587, method: 'eth_getBlockByNumber', what: 'parent header', number: 19426587 })
    assert.equal(h.hash, header.hash)
    assert.equal(h.stateRoot, header.stateRoot)
    assert.throws(() => validateHeader({ ...header, gasUsed: '0x1' }, { block: 19426588, method: 'eth_getBlockByNumber', what: 'parent header' }),
      (e: unknown) => e instanceof ValidationError && e.block === 19426588 && e.field === 'parent header' && /hashes to/.test(e.message))
    assert.throws(() => validateHeader(header, { block: 1, method: 'm', what: 'x', number: 5 }), /asked for block 5/)
    assert.throws(() => validateHeader(null, { block: 1, method: 'm', what: 'x' }), ValidationError)
  })

  test('ommers: each against the listed hash, all together against sha3Uncles', () => {
    const u = validateHeader(header, { block: 7, method: 'eth_getUncleByBlockNumberAndIndex', what: 'uncle 0', expectHash: header.hash as string })
    assert.throws(() => validateHeader(header, { block: 7, method: 'eth_getUncleByBlockNumberAndIndex', what: 'uncle 0', expectHash: ZERO }), /is not the expected/)
    const uncleHash = keccak256(RLP.encode([u.raw]))
    const block = { header: { number: 7n, uncleHash } } as unknown as Block
    validateOmmers(block, [u])
    assert.throws(() => validateOmmers(block, [u, u]), (e: unknown) => e instanceof ValidationError && e.field === 'sha3Uncles')
  })
})

/** A JSON-RPC node that answers only what the test scripts. */
async function stubNode(answers: Record<string, unknown>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c))
    req.on('end', () => {
      const one = (r: { id: number; method: string }): unknown => r.method in answers
        ? { jsonrpc: '2.0', id: r.id, result: answers[r.method] }
        : { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: `the method ${r.method} does not exist/is not available` } }
      const parsed = JSON.parse(body) as { id: number; method: string } | Array<{ id: number; method: string }>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(parsed) ? parsed.map(one) : one(parsed)))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }
}

const cli = parevmAsync

describe('chain rules', () => {
  let unknown: { url: string; server: Server }
  let anvilLike: { url: string; server: Server }
  let mainnetLike: { url: string; server: Server }
  before(async () => {
    unknown = await stubNode({ eth_chainId: '0x309', eth_blockNumber: '0x100' })
    anvilLike = await stubNode({ eth_chainId: '0x7a69', anvil_nodeInfo: { hardFork: 'Prague' } })
    mainnetLike = await stubNode({ eth_chainId: '0x1', eth_blockNumber: '0x10' })
  })
  after(() => {
    for (const s of [unknown, anvilLike, mainnetLike]) s?.server.close()
  })

  test('mainnet by id, anvil by anvil_nodeInfo, flags override; an unknown id needs a flag', async () => {
    const at = (url: string): RpcClient => new RpcClient(url, { retries: 0 })
    assert.deepEqual(await detectChain(at(mainnetLike.url)), { chainId: 1, profile: { kind: 'mainnet' } })
    assert.deepEqual(await detectChain(at(anvilLike.url)), { chainId: 31337, profile: { kind: 'fixed', chainId: 31337, hardfork: 'prague', trie: 'anvil' } })
    assert.deepEqual(await detectChain(at(unknown.url), { hardfork: 'Cancun' }), { chainId: 777, profile: { kind: 'fixed', chainId: 777, hardfork: 'cancun' } })
    await assert.rejects(detectChain(at(unknown.url)), (e: unknown) => e instanceof ChainRulesError && /chain id 777 .*--hardfork NAME or --chain FILE/.test(e.message))
    await assert.rejects(detectChain(at(unknown.url), { hardfork: 'cancun', chainFile: 'x' }), FetchInputError)

    const file = tempDb('genesis.json')
    writeFileSync(file, JSON.stringify({ config: { chainId: 778, homesteadBlock: 0 } }))
    await assert.rejects(detectChain(at(unknown.url), { chainFile: file }), /config.chainId 778 differs from the node's chain id 777/)
    writeFileSync(file, JSON.stringify({ config: { chainId: 777, homesteadBlock: 0, eip150Block: 0, eip155Block: 0, eip158Block: 0, byzantiumBlock: 0 } }))
    const geth = await detectChain(at(unknown.url), { chainFile: file })
    assert.equal(geth.profile.kind, 'geth')
  })

  test('parevm fetch: unknown chain id exits 2 naming the flags; --to past the head and --from 0 exit 2', async () => {
    const db = tempDb()
    let r = await cli(['fetch', '--rpc', unknown.url, '--from', '1', '--to', '2', '--db', db])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /^parevm: chain id 777 .*pass --hardfork NAME or --chain FILE/m)
    r = await cli(['fetch', '--rpc', mainnetLike.url, '--from', '1', '--to', '100', '--db', db])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /--to 100 is beyond the node's latest block 16/)
    r = await cli(['fetch', '--rpc', mainnetLike.url, '--from', '0', '--to', '1', '--db', db])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /genesis/)
  })
})
