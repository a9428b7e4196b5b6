/**
 * The fetcher behind a fault-injecting proxy in front of anvil. Transport faults (429, 5xx,
 * timeouts, dropped connections, truncated and garbage bodies) cost retries but change
 * nothing stored: every table equals an unfaulted fetch's. A lying node (a corrupted proof)
 * stops the fetch with a ValidationError naming block, method and field, exit code 3, and
 * nothing of the bad block (or after it) is stored.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startAnvil, type AnvilNode } from '../core/fetch/anvil.js'
import { generateWorkload, type WorkloadResult } from '../core/workload/index.js'
import { RpcClient, type RpcClientOptions } from '../core/fetch/rpc-client.js'
import { fetchRange } from '../core/fetch/fetcher.js'
import { ValidationError } from '../core/fetch/fetch-errors.js'
import { storeDigest } from '../core/fetch/store-digest.js'
import { Store } from '../storage/store.js'
import { TRANSIENT_FAULT_KINDS, startFaultProxy, type FaultPlan } from './support/fault-proxy.js'
import { tempDb } from './support/cli.js'
import { parevmAsync } from './support/cli.js'

// Tiny backoff so that retries cost milliseconds; a generous retry budget for a 30% fault rate.
const FAST: RpcClientOptions = { concurrency: 8, timeoutMs: 800, retries: 15, baseDelayMs: 5, maxDelayMs: 40 }

const cli = parevmAsync

describe('fetch through faults', () => {
  let node: AnvilNode
  let w: WorkloadResult
  // Block 1's parent is anvil's genesis (its stateRoot cannot prove anything): start at 2.
  let from: number
  before(async () => {
    node = await startAnvil({ hardfork: 'cancun', genesisTimestamp: 1_700_000_000 })
    w = await generateWorkload(node.url, { blocks: 9 })
    from = w.fromBlock + 1
  })
  after(() => node?.stop())

  async function fetchVia(url: string, opts: RpcClientOptions, range?: { from: number; to: number }, concurrency = 4): Promise<{ store: Store; error?: unknown; rpc: ReturnType<RpcClient['stats']> }> {
    const rpc = new RpcClient(url, opts)
    const store = Store.open(':memory:')
    try {
      await fetchRange(store, rpc, { from: range?.from ?? from, to: range?.to ?? w.toBlock, concurrency })
      return { store, rpc: rpc.stats() }
    } catch (error) {
      return { store, error, rpc: rpc.stats() }
    } finally {
      await rpc.close()
    }
  }

  test('429s, 5xx, timeouts, drops, truncated and garbage bodies: identical stored data', async (t) => {
    const clean = await fetchVia(node.url, FAST)
    assert.equal(clean.error, undefined)
    // Every third request gets the next fault kind in turn: all kinds, a third of the traffic.
    const plan: FaultPlan = (n) => (n % 3 === 1 ? TRANSIENT_FAULT_KINDS[Math.floor(n / 3) % TRANSIENT_FAULT_KINDS.length]! : null)
    const proxy = await startFaultProxy(node.url, { plan, hangMs: 3000 })
    try {
      const faulted = await fetchVia(proxy.url, FAST)
      assert.equal(faulted.error, undefined, String(faulted.error))
      assert.deepEqual(storeDigest(faulted.store), storeDigest(clean.store))
      const injected = Object.entries(proxy.stats.injected).filter(([, n]) => n > 0)
      t.diagnostic(`${proxy.stats.requests} requests, faults injected: ${injected.map(([k, n]) => `${k} ${n}`).join(', ')}; client retries ${faulted.rpc.retries}`)
      assert.equal(injected.length, TRANSIENT_FAULT_KINDS.length, 'every transient fault kind was injected')
      assert.ok(faulted.rpc.retries > 0)
    } finally {
      await proxy.close()
    }
  })

  test('a corrupted proof stops the fetch at its block: ValidationError, blocks before it kept, nothing after', async () => {
    // Corrupt every eth_getProof answer at one block tag: the parent proofs of block `bad`
    // (or the post-state proofs of block `bad - 1`, whichever is asked first).
    const bad = from + 3
    const tag = `"0x${(bad - 1).toString(16)}"]`
    const plan: FaultPlan = (_n, body) => (body.includes('"eth_getProof"') && body.includes(tag) ? 'corruptProof' : null)
    const proxy = await startFaultProxy(node.url, { plan })
    try {
      const r = await fetchVia(proxy.url, FAST, undefined, 1)
      assert.ok(r.error instanceof ValidationError, String(r.error))
      const e = r.error
      assert.equal(e.method, 'eth_getProof')
      assert.ok(e.block === bad || e.block === bad - 1, `failed at block ${e.block}`)
      assert.match(e.message, /^block \d+: eth_getProof returned bad data: account 0x[0-9a-f]{40} at block \d+: /)
      const stored = r.store.blockNumbers()
      assert.deepEqual(stored, Array.from({ length: e.block - from }, (_, i) => from + i))
      r.store.close()
    } finally {
      await proxy.close()
    }
  })

  test('parevm fetch through a node corrupting every proof: exit 3, a one-line reason, nothing stored', async () => {
    const proxy = await startFaultProxy(node.url, { kinds: ['corruptProof'], rate: 1 })
    const db = tempDb()
    try {
      const r = await cli(['fetch', '--rpc', proxy.url, '--from', String(from), '--to', String(from + 2), '--db', db])
      assert.equal(r.code, 3, r.stderr)
      assert.match(r.stderr, /parevm: block \d+: eth_getProof returned bad data: .*\(the node served bad data; nothing of block \d+ was stored\)/)
      const store = Store.open(db)
      assert.deepEqual(store.blockNumbers(), [])
      store.close()
    } finally {
      await proxy.close()
    }
  })
})
