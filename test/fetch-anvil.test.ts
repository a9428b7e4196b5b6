/**
 * Fetch from a real anvil (london, cancun, prague) with a generated mixed workload, with trace
 * and with execute discovery, then replay what was stored: every block must match on
 * everything the engine checks, stateRoot included (held against the stored witness) on every
 * block that has one. anvil 1.7.1's trie is not the spec's (zero slots and emptied accounts
 * stay as leaves): the chain profile says so (`trie: 'anvil'`) and the check models it; the
 * workload must show those leaves in anvil's own proofs, so that the model is exercised.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startAnvil, type AnvilNode } from '../core/fetch/anvil.js'
import { generateWorkload, type WorkloadResult } from '../core/workload/index.js'
import { RpcClient } from '../core/fetch/rpc-client.js'
import { fetchRange, type FetchSummary } from '../core/fetch/fetcher.js'
import { storeDigest } from '../core/fetch/store-digest.js'
import { replayStored } from '../core/replay/run-replay.js'
import { blockStmExecute } from '../core/execute/parallel/block-stm.js'
import { Store } from '../storage/store.js'
import { decodeRawBlock, unpack } from '../storage/codec.js'
import { EMPTY_TRIE_ROOT, KECCAK_EMPTY, verifyAccountProof, type EthAccountProof } from '../core/verify/witness/index.js'
import { RLP } from '@ethereumjs/rlp'
import { hexToBytes } from '@ethereumjs/util'

const BLOCKS = 12

/**
 * What anvil 1.7.1 puts in its tries against the spec, seen in a block's post-state proofs:
 * storage slots set to zero stay as leaves holding 0x80, and self-destructed accounts (and
 * other accounts that cease to exist) stay as empty-account leaves.
 */
function anvilQuirks(post: EthAccountProof[], stateRoot: string): string[] {
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
    // An empty account the proof shows present (the spec would have deleted it).
    const a = verifyAccountProof(stateRoot, p).account
    const empty = a !== undefined && a.nonce === 0n && a.balance === 0n && a.codeHash === KECCAK_EMPTY && a.storageRoot === EMPTY_TRIE_ROOT
    if (empty) out.push(`empty account leaf ${p.address}`)
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

/**
 * Blocks whose post-state (as anvil proves it) shows an anvil quirk among the keys the block
 * wrote, and `also` (the account created and destroyed in one transaction).
 */
async function quirkyBlocks(url: string, store: Store, numbers: number[], also: string[]): Promise<Map<number, string[]>> {
  const rpc = new RpcClient(url)
  try {
    const out = new Map<number, string[]>()
    for (const n of numbers) {
      const keys = writtenKeys(store, n)
      for (const address of also) if (!keys.has(address)) keys.set(address, new Set())
      const proofs = await rpc.batch<EthAccountProof>([...keys].map(([address, slots]) => ({ method: 'eth_getProof', params: [address, [...slots], '0x' + n.toString(16)] })))
      const stateRoot = String(decodeRawBlock(store.rawBlock(n)).json.stateRoot).toLowerCase()
      const quirks = anvilQuirks(proofs, stateRoot)
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
        quirks ??= await quirkyBlocks(node.url, store, store.blockNumbers(), [w.contracts.suicideOnCreate.toLowerCase()])

        assert.deepEqual(store.chain()?.profile, { kind: 'fixed', chainId: 31337, hardfork, trie: 'anvil' })
        // anvil's non-canonical leaves must be there to be modelled (zero slots on every fork,
        // empty accounts from self-destructs).
        const kinds = new Set([...quirks!.values()].flat().map((q) => q.split(' ')[0]))
        assert.ok(kinds.has('zero') && kinds.has('empty'), `workload shows anvil quirks: ${[...kinds].join(', ')}`)

        // Sequential, and Block-STM (two inline workers: the same coordinator and finishBlock).
        const stm = blockStmExecute({ workers: 2, inline: true })
        try {
          for (const [mode, run] of [['sequential', {}], ['block-stm', { mode: 'parallel', workers: 2, execute: stm }]] as const) {
            const out = await replayStored(store, { mode: 'sequential', workers: 1, ...run })
            assert.equal(out.reports.length, summary.stored)
            for (const r of out.reports) {
              for (const check of EXACT) assert.equal(r.checks[check], 'match', `${mode} block ${r.number} ${check}: ${JSON.stringify(r.mismatches)}`)
              if (r.number === w.fromBlock) {
                assert.equal(r.checks.stateRoot, 'unchecked', 'block 1 has no witness')
                continue
              }
              assert.equal(r.checks.stateRoot, 'match',
                `${mode} block ${r.number}: stateRoot ${r.checks.stateRoot} ${r.unchecked.stateRoot ?? ''} ${JSON.stringify(r.mismatches).slice(0, 400)}`)
            }
          }
        } finally {
          await stm.close()
        }
        t.diagnostic(`${summary.stored} blocks, ${w.txCount} txs in ${summary.seconds.toFixed(2)} s, ${summary.requestsPerBlock.toFixed(1)} requests/block, ` +
          `${summary.executions} executions; stateRoot matched on all ${summary.stored - 1} blocks with a witness (sequential and Block-STM); ` +
          `anvil quirks in blocks ${[...quirks!.keys()].join(', ')}`)
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
