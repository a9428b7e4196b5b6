/**
 * The fetcher against recorded answers of a real archive node (../shared/mainnet-rpc): no
 * debug_ namespace (auto discovery falls back to execution), eth_getProof for exactly what
 * the blocks touch, and an error for anything else. All 12 blocks are stored and replay
 * matching, stateRoot included; the receipts of the 4 `receipts/` blocks pass validation.
 */
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { RpcClient } from '../core/fetch/rpc-client.js'
import { fetchRange } from '../core/fetch/fetcher.js'
import { fetchReceipts } from '../core/fetch/receipts.js'
import { ValidationError } from '../core/fetch/fetch-errors.js'
import { receiptsRoot, validateBlock, validateHeader, validateReceipts } from '../core/fetch/validate.js'
import type { RpcBlock, RpcReceipt } from '../core/fetch/rpc-types.js'
import { chainRules } from '../core/execute/chain.js'
import { kzgReady } from '../core/execute/crypto.js'
import { Store } from '../storage/store.js'
import { startRecordedServer, type RecordedServer } from './support/recorded-server.js'
import { needShared, sharedPath, BIN } from './support/shared.js'
import { tempDb } from './support/cli.js'
import { spawn } from 'node:child_process'
import type { FetchSummary } from '../core/fetch/fetcher.js'

/** The CLI in a child process, without blocking this one (it serves the recorded node). */
function parevmAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

const BLOCKS = [1, 1149999, 1150000, 1920000, 2463000, 2675000, 2675001, 4370000, 9069000, 15537394, 19426587, 21230867]

describe('recorded mainnet node', needShared('mainnet-rpc'), () => {
  let server: RecordedServer
  let rpc: RpcClient
  before(async () => {
    server = await startRecordedServer(sharedPath('mainnet-rpc'))
    rpc = new RpcClient(server.url, { concurrency: 8 })
  })
  after(async () => {
    await rpc?.close()
    await server?.close()
  })

  // Through the real CLI in child processes: the EVM runs ~5x slower inside node:test (its
  // async-context tracking hooks every promise), and this is also the user's path.
  test('parevm fetch (auto) stores all 12 blocks by execution; parevm replay matches them, stateRoot included', async (t) => {
    const db = tempDb()
    // Consecutive blocks go in one range.
    const ranges: Array<[number, number]> = []
    for (const n of BLOCKS) {
      const last = ranges[ranges.length - 1]
      if (last && last[1] === n - 1) last[1] = n
      else ranges.push([n, n])
    }
    for (const [from, to] of ranges) {
      const r = await parevmAsync(['fetch', '--rpc', server.url, '--from', String(from), '--to', String(to), '--db', db, '--json'])
      assert.equal(r.code, 0, r.stderr)
      const s = JSON.parse(r.stdout) as FetchSummary
      assert.equal(s.stored, to - from + 1, `${from}..${to}`)
      assert.equal(s.discovery.execute, s.stored, `${from}..${to} fell back to execution`)
      assert.equal(s.witness.proofs, s.stored, `${from}..${to} has proofs witnesses`)
      t.diagnostic(`${from}..${to}: ${(s.seconds * 1000).toFixed(0)} ms, ${s.executions} executions, ${s.requestsPerBlock.toFixed(0)} requests/block`)
    }
    const refused = new Set(server.unanswered().map((r) => r.method))
    // debug_ is unknown to the node; receipts and the head are simply not recorded; eth_getProof
    // refusals are keys that only placeholder paths asked for.
    for (const m of refused) assert.match(m, /^(debug_|eth_getProof$|eth_getBlockReceipts$|eth_getTransactionReceipt$|eth_blockNumber$)/)

    const r = await parevmAsync(['replay', '--db', db, '--json', '--mode', 'sequential'])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as { blocks: Array<{ number: number; checks: Record<string, string>; mismatches: unknown[] }> }
    assert.deepEqual(out.blocks.map((b) => b.number), BLOCKS)
    for (const b of out.blocks) {
      for (const check of ['blockHash', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'stateRoot']) {
        assert.equal(b.checks[check], 'match', `block ${b.number} ${check}: ${JSON.stringify(b.mismatches).slice(0, 300)}`)
      }
    }
  })

  test('a block whose recorded pre-state is missing fails, naming the refused key, and stores nothing', async () => {
    const store = Store.open(':memory:')
    try {
      // The receipts/ blocks have no recorded state: their first read is refused.
      await assert.rejects(fetchRange(store, rpc, { from: 18090206, to: 18090206, witness: 'none' }), /not recorded/)
      assert.deepEqual(store.blockNumbers(), [])
    } finally {
      store.close()
    }
  })
})

interface Recording {
  calls: Array<{ method: string; params: unknown[]; result: unknown }>
}

function receiptRecordings(): Array<{ file: string; block: RpcBlock; receipts: RpcReceipt[] }> {
  const dir = sharedPath('mainnet-rpc', 'receipts')
  return readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort().map((file) => {
    const rec = JSON.parse(gunzipSync(readFileSync(join(dir, file))).toString('utf8')) as Recording
    const block = rec.calls.find((c) => c.method === 'eth_getBlockByNumber')!.result as RpcBlock
    const receipts = rec.calls.find((c) => c.method === 'eth_getBlockReceipts')!.result as RpcReceipt[]
    return { file, block, receipts }
  })
}

describe('receipt validation on the recorded receipts/ blocks', needShared('mainnet-rpc', 'receipts'), () => {
  const rules = chainRules({ kind: 'mainnet' })
  before(() => kzgReady())

  test('all four hash to their header receiptsRoot (types 0x0, 0x1, 0x2)', async () => {
    const all = receiptRecordings()
    assert.equal(all.length, 4)
    for (const { file, block, receipts } of all) {
      validateHeader(block, { block: Number(block.number), method: 'eth_getBlockByNumber', what: 'header' })
      // 21925176's answer lists transaction hashes only: the receipts' own types stand in.
      const types = receipts.map((r) => Number(r.type ?? '0x0'))
      assert.equal(await receiptsRoot(receipts, types), block.receiptsRoot, file)
    }
  })

  test('fetched through the node: validated against the decoded block; a changed receipt is refused', async () => {
    const server = await startRecordedServer(sharedPath('mainnet-rpc'))
    const rpc = new RpcClient(server.url)
    try {
      for (const { file, block: json, receipts } of receiptRecordings().filter((r) => typeof r.block.transactions[0] === 'object')) {
        const { block } = await validateBlock(json, Number(json.number), rules)
        const got = await fetchReceipts(rpc, block, {})
        assert.ok('receipts' in got, file)
        assert.equal(got.receipts.length, receipts.length)

        const bad = structuredClone(receipts)
        bad[7]!.cumulativeGasUsed = '0x' + (BigInt(bad[7]!.cumulativeGasUsed) + 1n).toString(16)
        await assert.rejects(validateReceipts(block, bad, 'eth_getBlockReceipts'), (e: unknown) =>
          e instanceof ValidationError && e.field === 'receiptsRoot' && e.block === Number(json.number) && e.method === 'eth_getBlockReceipts')
        await assert.rejects(validateReceipts(block, receipts.slice(1), 'eth_getBlockReceipts'), /receipts for .* transactions/)
      }
    } finally {
      await rpc.close()
      await server.close()
    }
  })
})
