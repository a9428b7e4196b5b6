/**
 * Where pre-state values come from, on nodes unlike plain anvil (a stand-in node in front of it):
 * - one serving `debug_executionWitness` (answered from a proofs fetch of the same blocks: every
 *   trie node of the parent proofs, the codes, the parent header): `--witness auto` takes the
 *   pre-state from the witness alone and stores it as an execution witness;
 * - one without `eth_getProof`: plain getters, no witness, with `--witness proofs` refused.
 * Replay must match either way.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@ethereumjs/util'
import { startAnvil, type AnvilNode } from '../core/fetch/anvil.js'
import { generateWorkload, type WorkloadResult } from '../core/workload/index.js'
import { RpcClient } from '../core/fetch/rpc-client.js'
import { fetchRange } from '../core/fetch/fetcher.js'
import { FetchInputError } from '../core/fetch/fetch-errors.js'
import { headerFields } from '../core/fetch/validate.js'
import { replayStored } from '../core/replay/run-replay.js'
import { decodeRawBlock } from '../storage/codec.js'
import { Store } from '../storage/store.js'
import type { EthAccountProof, ExecutionWitness } from '../core/verify/witness/index.js'

interface Req { jsonrpc: '2.0'; id: number; method: string; params: unknown[] }

/** Forwards to anvil, except debug_executionWitness (answered from `witnesses`) and `refuse`d methods. */
async function standIn(target: string, witnesses: Map<string, ExecutionWitness>, log: string[], refuse: string[] = []): Promise<{ url: string; server: Server }> {
  const answer = async (r: Req): Promise<unknown> => {
    log.push(r.method)
    if (refuse.includes(r.method)) return { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: `the method ${r.method} does not exist/is not available` } }
    if (r.method === 'debug_executionWitness') {
      const w = witnesses.get(String(r.params[0]))
      return w ? { jsonrpc: '2.0', id: r.id, result: w } : { jsonrpc: '2.0', id: r.id, error: { code: -32000, message: 'no witness' } }
    }
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) })
    return res.json()
  }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c))
    req.on('end', () => {
      const parsed = JSON.parse(body) as Req | Req[]
      const reply = Array.isArray(parsed) ? Promise.all(parsed.map(answer)) : answer(parsed)
      reply.then((out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out)), () => res.destroy())
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }
}

let node: AnvilNode
let w: WorkloadResult
before(async () => {
  node = await startAnvil({ hardfork: 'cancun', genesisTimestamp: 1_700_000_000 })
  w = await generateWorkload(node.url, { blocks: 8 })
})
after(() => node?.stop())

test('witness auto takes the execution witness: no eth_getProof, stored as execution-witness, replay matches', async () => {
  const from = w.fromBlock + 1
  // The witnesses, made from a proofs fetch.
  const proofs = Store.open(':memory:')
  const direct = new RpcClient(node.url)
  await fetchRange(proofs, direct, { from, to: w.toBlock, witness: 'proofs', discovery: 'execute' })
  const witnesses = new Map<string, ExecutionWitness>()
  for (const n of proofs.blockNumbers()) {
    const raw = decodeRawBlock(proofs.rawBlock(n))
    const pre = (raw.witness!.data as { pre: EthAccountProof[] }).pre
    const state = [...new Set(pre.flatMap((p) => [...p.accountProof, ...p.storageProof.flatMap((s) => s.proof)]))]
    const parent = await direct.call<Record<string, unknown>>('eth_getBlockByNumber', ['0x' + (n - 1).toString(16), false])
    witnesses.set('0x' + n.toString(16), {
      state,
      codes: [...raw.preState.entries()].flatMap(([, a]) => (raw.preState.getCode(a.codeHash)?.length ? [bytesToHex(raw.preState.getCode(a.codeHash)!)] : [])),
      headers: [bytesToHex(RLP.encode(headerFields(parent)))],
    })
  }
  await direct.close()
  proofs.close()

  const log: string[] = []
  const stand = await standIn(node.url, witnesses, log)
  const rpc = new RpcClient(stand.url)
  const store = Store.open(':memory:')
  try {
    const s = await fetchRange(store, rpc, { from, to: w.toBlock, witness: 'auto', discovery: 'execute' })
    assert.equal(s.witness['execution-witness'], s.stored)
    assert.ok(log.includes('debug_executionWitness'))
    assert.ok(!log.includes('eth_getProof') && !log.includes('eth_getCode'), 'pre-state came from the witness alone')
    const out = await replayStored(store, { mode: 'sequential', workers: 1 })
    for (const r of out.reports) {
      for (const check of ['blockHash', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'receipts']) {
        assert.equal(r.checks[check], 'match', `block ${r.number} ${check}: ${JSON.stringify(r.mismatches).slice(0, 200)}`)
      }
      // No sibling nodes for deletions in this stand-in witness: unchecked is allowed, a mismatch only where anvil's root is off.
      assert.notEqual(r.checks.stateRoot, undefined)
    }
    assert.ok(out.reports.some((r) => r.checks.stateRoot === 'match'), 'some stateRoot checked from the execution witness')
  } finally {
    await rpc.close()
    store.close()
    stand.server.close()
  }
})

test('a node without eth_getProof: plain getters, no witness; --witness proofs is refused (exit 2 input)', async () => {
  const from = w.fromBlock + 1
  const log: string[] = []
  const stand = await standIn(node.url, new Map(), log, ['eth_getProof'])
  const rpc = new RpcClient(stand.url)
  const store = Store.open(':memory:')
  try {
    const warnings: string[] = []
    const s = await fetchRange(store, rpc, { from, to: w.toBlock, witness: 'auto', discovery: 'execute' }, (e) => {
      if (e.type === 'warning') warnings.push(e.message)
    })
    assert.equal(s.witness.none, s.stored)
    assert.ok(warnings.some((m) => /does not serve eth_getProof/.test(m)))
    assert.ok(log.includes('eth_getStorageAt') && log.includes('eth_getBalance'))
    const out = await replayStored(store, { mode: 'sequential', workers: 1 })
    for (const r of out.reports) {
      for (const check of ['blockHash', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'receipts']) {
        assert.equal(r.checks[check], 'match', `block ${r.number} ${check}: ${JSON.stringify(r.mismatches).slice(0, 200)}`)
      }
      assert.equal(r.checks.stateRoot, 'unchecked')
    }
    const strict = Store.open(':memory:')
    await assert.rejects(fetchRange(strict, rpc, { from, to: from, witness: 'proofs', discovery: 'execute' }),
      (e: unknown) => e instanceof FetchInputError && /does not serve eth_getProof: fetch with --witness none/.test(e.message))
    assert.deepEqual(strict.blockNumbers(), [])
    strict.close()
  } finally {
    await rpc.close()
    store.close()
    stand.server.close()
  }
})
