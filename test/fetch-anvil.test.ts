/**
 * Fetch from a real anvil (london, cancun, prague) with a generated mixed workload, with trace
 * and with execute discovery, then replay what was stored: every block must match on
 * everything the engine checks. stateRoot is held against the stored witness; where it
 * differs, every proven account field and slot must still agree (anvil 1.7.1 hashes some
 * states differently from the spec: see the expectations below).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startAnvil, type AnvilNode } from '../core/fetch/anvil.js'
import { generateWorkload, type WorkloadResult } from '../core/workload/index.js'
import { RpcClient } from '../core/fetch/rpc-client.js'
import { fetchRange, type FetchSummary } from '../core/fetch/fetcher.js'
import { storeDigest } from '../core/fetch/store-digest.js'
import { replayStored } from '../core/replay/run-replay.js'
import { Store } from '../storage/store.js'
import { unpack } from '../storage/codec.js'
import { EMPTY_TRIE_ROOT, KECCAK_EMPTY, type EthAccountProof } from '../core/verify/witness/index.js'
import { RLP } from '@ethereumjs/rlp'
import { hexToBytes } from '@ethereumjs/util'

const BLOCKS = 12

/**
 * What anvil 1.7.1 puts in its tries against the spec, seen in a block's post-state proofs:
 * storage slots set to zero stay as leaves holding 0x80, and (before cancun) self-destructed
 * accounts stay as empty-account leaves. A block whose stateRoot we cannot reproduce must show one.
 */
function anvilQuirks(post: EthAccountProof[]): string[] {
  const out: string[] = []
  const leafValue = (proof: string[]): Uint8Array | undefined => {
    const last = proof.length > 0 ? RLP.decode(hexToBytes(proof[proof.length - 1] as `0x${string}`)) : undefined
    return Array.isArray(last) && last.length === 2 && last[1] instanceof Uint8Array ? last[1] : undefined
  }
  for (const p of post) {
    for (const sp of p.storageProof) {
      const v = leafValue(sp.proof)
      if (BigInt(sp.value) === 0n && v !== undefined && v.length === 1 && v[0] === 0x80) out.push(`zero leaf ${p.address} ${sp.key}`)
    }
    const empty = BigInt(p.nonce) === 0n && BigInt(p.balance) === 0n && p.codeHash === KECCAK_EMPTY && p.storageHash === EMPTY_TRIE_ROOT
    if (empty && leafValue(p.accountProof) !== undefined) out.push(`empty account leaf ${p.address}`)
  }
  return out
}

/** Checks that must match on every block; stateRoot is looked at separately. */
const EXACT = ['blockHash', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'senders', 'receipts']

/** Slots and accounts each block's transactions wrote, from the stored diffMode traces. */
function writtenKeys(store: Store, n: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  const raw = store.trace(n)
  if (!raw) return out
  const txs = unpack<Array<{ result: { pre: Record<string, { storage?: object }>; post: Record<string, { storage?: object }> } }>>(raw)
  for (const { result } of txs) {
    for (const side of [result.pre, result.post]) {
      for (const [address, entry] of Object.entries(side)) {
        let slots = out.get(address)
        if (!slots) out.set(address, (slots = new Set()))
        for (const slot of Object.keys(entry.storage ?? {})) slots.add(slot)
      }
    }
  }
  return out
}

/** Blocks whose post-state (as anvil proves it) shows an anvil quirk. */
async function quirkyBlocks(url: string, store: Store, numbers: number[]): Promise<Map<number, string[]>> {
  const rpc = new RpcClient(url)
  try {
    const out = new Map<number, string[]>()
    for (const n of numbers) {
      const keys = [...writtenKeys(store, n)]
      const proofs = await rpc.batch<EthAccountProof>(keys.map(([address, slots]) => ({ method: 'eth_getProof', params: [address, [...slots], '0x' + n.toString(16)] })))
      const quirks = anvilQuirks(proofs)
      if (quirks.length > 0) out.set(n, quirks)
    }
    return out
  } finally {
    await rpc.close()
  }
}

async function fetchInto(url: string, w: WorkloadResult, discovery: 'trace' | 'execute'): Promise<{ store: Store; summary: FetchSummary }> {
  const rpc = new RpcClient(url, { concurrency: 8 })
  const store = Store.open(':memory:')
  try {
    const summary = await fetchRange(store, rpc, { from: w.fromBlock, to: w.toBlock, discovery, concurrency: 4 })
    return { store, summary }
  } finally {
    await rpc.close()
  }
}

for (const hardfork of ['london', 'cancun', 'prague'] as const) {
  describe(`anvil ${hardfork}`, () => {
    let node: AnvilNode
    let w: WorkloadResult
    const stores: Store[] = []
    before(async () => {
      node = await startAnvil({ hardfork, genesisTimestamp: 1_700_000_000 })
      w = await generateWorkload(node.url, { blocks: BLOCKS })
    })
    after(async () => {
      for (const s of stores) s.close()
      await node?.stop()
    })

    const digests: Record<string, Record<string, unknown>> = {}
    let quirks: Map<number, string[]> | undefined
    for (const discovery of ['trace', 'execute'] as const) {
      test(`${discovery} discovery: all blocks stored, replay matches`, async (t) => {
        const { store, summary } = await fetchInto(node.url, w, discovery)
        stores.push(store)
        assert.equal(summary.stored, w.toBlock - w.fromBlock + 1)
        assert.equal(summary.discovery[discovery], summary.stored)
        // Block 1's parent is anvil's genesis, whose header claims the empty stateRoot: no witness there.
        assert.equal(summary.witness.proofs, summary.stored - 1)
        assert.equal(summary.rpc.errors.badBody + summary.rpc.errors.timeout, 0)
        digests[discovery] = storeDigest(store)
        // From the trace fetch (it runs first): which blocks anvil hashes against the spec.
        quirks ??= await quirkyBlocks(node.url, store, store.blockNumbers())

        const out = await replayStored(store, { mode: 'sequential', workers: 1 })
        assert.equal(out.reports.length, summary.stored)
        let rootsMatched = 0
        for (const r of out.reports) {
          for (const check of EXACT) assert.equal(r.checks[check], 'match', `block ${r.number} ${check}: ${JSON.stringify(r.mismatches)}`)
          if (r.checks.stateRoot === 'match') rootsMatched++
          else if (r.number === w.fromBlock) assert.equal(r.checks.stateRoot, 'unchecked', 'block 1 has no witness')
          else {
            // Not reproducible only where anvil's own trie breaks the spec; every value both
            // sides prove must still agree.
            assert.ok(quirks!.has(r.number), `block ${r.number}: stateRoot ${r.checks.stateRoot} without an anvil quirk: ${JSON.stringify(r.mismatches).slice(0, 300)} ${r.unchecked.stateRoot ?? ''}`)
            const fields = r.mismatches.filter((m) => m.field !== 'stateRoot' && m.field !== 'account.exists')
            assert.deepEqual(fields, [], `block ${r.number}: proven values differ`)
          }
        }
        t.diagnostic(`${summary.stored} blocks, ${w.txCount} txs in ${summary.seconds.toFixed(2)} s, ${summary.requestsPerBlock.toFixed(1)} requests/block, ` +
          `${summary.executions} executions; stateRoot matched on ${rootsMatched}/${out.reports.length}, anvil quirks in blocks ${[...quirks!.keys()].join(', ')}`)
      })
    }

    test('both discoveries store the same pre-state, code, hashes, receipts and witnesses', () => {
      assert.ok(digests.trace && digests.execute, 'both fetches ran')
      for (const table of ['prestate', 'code', 'block_hashes', 'receipts', 'witnesses', 'meta']) {
        assert.deepEqual(digests.trace[table], digests.execute[table], table)
      }
      assert.equal((digests.execute.traces as { rows: number }).rows, 0)
      assert.equal((digests.trace.traces as { rows: number }).rows, BLOCKS)
    })
  })
}
