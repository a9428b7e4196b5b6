/**
 * Block-STM gives exactly the sequential result: the same digest (receipts root and post-state
 * changes) on real mainnet blocks of ../shared for K = 1, 2, 4 execution workers, under
 * perturbed schedules, and on synthetic blocks built to conflict (one hot slot, one sender's
 * chain) or not at all (independent transfers). Plus the parts on their own: multi-version
 * memory, scheduler, statistics, simulator. A CI slice; PAREVM_FULL=1 replays all 50 blocks.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { BlockExecutor } from '../core/execute/block-executor.js'
import { chainRules } from '../core/execute/chain.js'
import { kzgReady } from '../core/execute/crypto.js'
import { PreState } from '../core/execute/prestate.js'
import { ZERO_WORD } from '../core/execute/state-layer.js'
import {
  blockStmExecute, conflictHeavy, criticalPathBound, executionDigest, independentTransfers, senderChain, simulateBlock,
  simulateCorpus, type BlockStmExecuteFn, type BlockStmStats, type SyntheticBlock,
} from '../core/execute/parallel/index.js'
import { BASE, MVMemory, isEstimate } from '../core/execute/parallel/mv-memory.js'
import { Scheduler, TxStatus } from '../core/execute/parallel/scheduler.js'
import { accountLoc, encodeAccount, encodeCredit, metaLoc, slotLoc, wipeLoc, WIPE } from '../core/execute/parallel/locations.js'
import { replayRawBlock, sequentialExecute, type ExecuteFn } from '../core/replay/replay-block.js'
import { importFixtures } from '../snapshots/import-fixtures.js'
import { Store } from '../storage/store.js'
import type { RawBlock } from '../storage/codec.js'
import { needShared, sharedPath } from './support/shared.js'

/** Real blocks with the hard cases: chains of one sender, hot wallets, pool payouts, WETH, KZG, pre-Byzantium. */
const SLICE = [116525, 2179522, 4370000, 6196166, 8889776, 12300570, 13217637, 15537394, 18085863, 19932703]
const FULL = process.env.PAREVM_FULL === '1'

const word = (n: number): string => '0x' + n.toString(16).padStart(64, '0')
const A = '0x' + 'aa'.repeat(20)

describe('multi-version memory', () => {
  const pre = new PreState(new Map([[A, { nonce: 1n, balance: 100n, storage: new Map([[word(1), word(5)]]) }]]))

  test('a read sees the highest writer below it, or the pre-state', () => {
    const mv = new MVMemory(pre)
    mv.record(2, 0, [slotLoc(A, word(1)), word(7)])
    assert.equal(mv.resolveSlotOf(A, word(1), 2), word(5))
    assert.equal(mv.resolveSlotOf(A, word(1), 3), word(7))
    assert.equal(mv.resolveSlotOf(A, word(2), 3), ZERO_WORD)
  })

  test('an aborted incarnation leaves ESTIMATEs; the next one replaces its entries', () => {
    const mv = new MVMemory(pre)
    mv.record(2, 0, [slotLoc(A, word(1)), word(7), slotLoc(A, word(3)), word(9)])
    mv.convertWritesToEstimates(2, 0)
    const r = mv.resolveSlotOf(A, word(1), 5)
    assert.ok(isEstimate(r) && r.blocking === 2)
    assert.equal(mv.record(2, 1, [slotLoc(A, word(1)), word(8)]), false, 'no new location')
    assert.equal(mv.resolveSlotOf(A, word(1), 5), word(8))
    assert.equal(mv.resolveSlotOf(A, word(3), 5), ZERO_WORD, 'the old incarnation\'s other write is gone')
    assert.equal(mv.record(2, 2, [slotLoc(A, word(4)), word(1)]), true, 'a new location')
  })

  test('a wipe hides older slot writes; a transaction\'s own writes come after its wipe', () => {
    const mv = new MVMemory(pre)
    mv.record(1, 0, [slotLoc(A, word(2)), word(3)])
    mv.record(3, 0, [wipeLoc(A), WIPE, slotLoc(A, word(2)), word(4)])
    assert.equal(mv.resolveSlotOf(A, word(1), 2), word(5))
    assert.equal(mv.resolveSlotOf(A, word(1), 4), ZERO_WORD)
    assert.equal(mv.resolveSlotOf(A, word(2), 4), word(4))
  })

  test('credits stack on whatever lies below; balance-free reads ignore them', () => {
    const mv = new MVMemory(pre)
    mv.record(1, 0, [accountLoc(A), encodeCredit(5n)])
    mv.record(2, 0, [accountLoc(A), encodeCredit(7n)])
    assert.equal(mv.resolveAccountOf(A, 3), encodeAccount({ ...pre.getAccount(A)!, balance: 112n }))
    const same = (loc: string, a: number, b: number): boolean => mv.sameValue(loc, mv.resolve(loc, a) as string, mv.resolve(loc, b) as string)
    assert.ok(same(metaLoc(A), 3, 0), 'credits leave the balance-free value as it was')
    assert.equal(mv.resolve(metaLoc(A), 0), BASE, 'nothing below: the base value, as a token')
    const fresh = '0x' + 'bb'.repeat(20)
    mv.record(1, 0, [accountLoc(fresh), encodeCredit(0n)])
    assert.ok(!same(metaLoc(fresh), 2, 1), 'a credit creates an absent account')
  })
})

describe('scheduler', () => {
  test('execution and validation indices, incarnations, dependency suspension and resumption', () => {
    const s = new Scheduler(3)
    const v0 = s.nextVersionToExecute()!
    const v1 = s.nextVersionToExecute()!
    assert.deepEqual([v0, v1], [{ txIdx: 0, incarnation: 0 }, { txIdx: 1, incarnation: 0 }])
    assert.equal(s.addDependency(1, 0), true, 'tx 1 read an ESTIMATE of tx 0, which is still executing')
    assert.equal(s.statusOf(1).status, TxStatus.Aborting)
    assert.equal(s.finishExecution(0, 0, true), null)
    assert.deepEqual(s.statusOf(1), { incarnation: 1, status: TxStatus.ReadyToExecute }, 'resumed as the next incarnation')
    assert.equal(s.executionIdx, 1)
    assert.deepEqual(s.nextVersionToExecute(), { txIdx: 1, incarnation: 1 })
    assert.equal(s.addDependency(2, 0), false, 'tx 0 has finished: no suspension')
    assert.equal(s.tryValidationAbort(0, 0), true)
    assert.equal(s.tryValidationAbort(0, 0), false, 'only the first failed validation aborts')
  })
})

describe('statistics and simulator', () => {
  test('critical path and the list-schedule simulator', () => {
    const chain = [[], [0], [1], [2]]
    const none = [[], [], [], []]
    const costs = [1, 1, 1, 1]
    assert.equal(criticalPathBound(chain, costs), 1)
    assert.equal(criticalPathBound(none, costs), 4)
    assert.equal(simulateBlock({ deps: chain }, costs, 8).speedup, 1)
    assert.equal(simulateBlock({ deps: none }, costs, 2).speedup, 2)
    assert.equal(simulateBlock({ deps: none }, costs, 8).speedup, 4)
    const corpus = simulateCorpus([{ deps: chain, costs }, { deps: none, costs }, { deps: none, costs: [3, 1] }], [1, 32])
    assert.deepEqual(corpus.map((c) => c.median), [1, 4 / 3])
  })

  test('the simulator under contention: busy workers slow each other', () => {
    const deps = [[], [0], [], [1, 2], [], [3]]
    const costs = [2, 1, 3, 1, 2, 1]
    // By hand, lowest index first: 0 and 2 start; 1 at t = 2; 3 at t = 3 (after 1 and 2); 4
    // beside it; 5 at t = 4: done at t = 5 (three workers gain nothing more: 1 waits for 0).
    for (const [workers, makespan] of [[1, 10], [2, 5], [3, 5]] as const) {
      assert.equal(simulateBlock({ deps }, costs, workers).makespan, makespan)
      assert.equal(simulateBlock({ deps }, costs, workers, { rate: () => 1 }).makespan, makespan)
    }
    // Two independent transactions of costs 3 and 1 at half speed while both run: the short one
    // ends at t = 2 (1 / 0.5) with the long one 2 units short, which then runs alone: t = 4.
    assert.equal(simulateBlock({ deps: [[], []] }, [3, 1], 2, { rate: (k) => (k === 2 ? 0.5 : 1) }).makespan, 4)
    assert.equal(simulateBlock({ deps: [[], [], [], []] }, [1, 1, 1, 1], 2, { rate: (k) => (k === 2 ? 0.5 : 1) }).speedup, 1)
  })
})

async function digestOf(raw: RawBlock, execute: ExecuteFn): Promise<{ digest: string; stats: BlockStmStats }> {
  const report = await replayRawBlock(raw, chainRules({ kind: 'mainnet' }), execute)
  const failed = Object.entries(report.checks).filter(([, v]) => v === 'mismatch')
  assert.deepEqual(failed, [], `block ${report.number} verifies`)
  return { digest: report.digest, stats: report.stats as BlockStmStats }
}

describe('mainnet blocks: parallel = sequential', needShared('mainnet'), () => {
  const raws: RawBlock[] = []
  const expected = new Map<number, string>()
  let store: Store

  before(async () => {
    await kzgReady()
    store = Store.open(':memory:')
    const files = FULL ? [sharedPath('mainnet')] : SLICE.map((n) => join(sharedPath('mainnet'), `${n}.json.gz`))
    importFixtures(store, files)
    const seq = sequentialExecute(new BlockExecutor())
    for (const n of store.blockNumbers()) {
      const raw = store.rawBlock(n)
      raws.push(raw)
      expected.set(n, (await digestOf(raw, seq)).digest)
    }
  })
  after(() => store?.close())

  for (const workers of [1, 2, 4]) {
    test(`K=${workers} execution workers`, async () => {
      const par = blockStmExecute({ workers })
      try {
        for (const raw of raws) {
          const { digest, stats } = await digestOf(raw, par)
          assert.equal(digest, expected.get(raw.number), `block ${raw.number}`)
          if (stats.mode === 'block-stm') assert.equal(stats.fallbacks, 0, `block ${raw.number}: no transaction needed the safety net`)
        }
      } finally {
        await par.close()
      }
    })
  }

  test('perturbed schedules (late hand-overs, stale replicas, slow workers, random worker order)', async () => {
    const picks = raws.filter((r) => [116525, 6196166, 12300570, 18085863].includes(r.number))
    for (let seed = 1; seed <= (FULL ? 20 : 4); seed++) {
      const par = blockStmExecute({ workers: 1 + (seed % 3), perturb: { seed } })
      try {
        for (const raw of picks) assert.equal((await digestOf(raw, par)).digest, expected.get(raw.number), `block ${raw.number}, seed ${seed}`)
      } finally {
        await par.close()
      }
    }
  })

  test('inline workers (the same protocol in one thread)', async () => {
    const par = blockStmExecute({ workers: 2, inline: true })
    for (const raw of raws.slice(0, 3)) assert.equal((await digestOf(raw, par)).digest, expected.get(raw.number))
    await par.close()
  })

  test('a crashed execution worker fails the block with a clear error; the next block gets new workers', async () => {
    const par = blockStmExecute({ workers: 2, thread: { crashOnTx: 3 } })
    const raw = raws.find((r) => r.number === 116525)!
    await assert.rejects(digestOf(raw, par), (e: Error) => e.name === 'BlockStmWorkerError' && /block 116525/.test(e.message) && /exited/.test(e.message))
    await par.close()
  })
})

describe('synthetic blocks: parallel = sequential', () => {
  const cases: Array<[string, () => SyntheticBlock]> = [
    ['independent transfers', () => independentTransfers(400)],
    ['one hot slot (every transaction increments a counter)', () => conflictHeavy(150)],
    ['every 4th transaction on the hot slot', () => conflictHeavy(300, 4)],
    ['one sender\'s chain of transfers', () => senderChain(150)],
  ]
  const built = new Map<string, { b: SyntheticBlock; digest: string; gas: bigint }>()
  let pars: BlockStmExecuteFn[] = []

  before(async () => {
    await kzgReady()
    const seq = new BlockExecutor()
    for (const [name, make] of cases) {
      const b = make()
      const e = await seq.execute(b.input)
      built.set(name, { b, digest: executionDigest(b.input.block, e), gas: e.gasUsed })
    }
    pars = [blockStmExecute({ workers: 2 }), blockStmExecute({ workers: 4, perturb: { seed: 7 } })]
  })
  after(async () => {
    for (const p of pars) await p.close()
  })

  for (const [name] of cases) {
    test(name, async () => {
      const { b, digest, gas } = built.get(name)!
      for (const par of pars) {
        const { execution, stats } = await par(b.input)
        assert.equal(executionDigest(b.input.block, execution), digest)
        assert.equal(execution.gasUsed, gas)
        const s = stats as BlockStmStats
        assert.equal(s.fallbacks, 0)
        if (name.startsWith('independent')) {
          assert.equal(s.dependentShare, 0, 'fees are credits: no transaction depends on another')
          assert.equal(s.criticalPathBound, b.input.block.transactions.length)
        }
        if (name.startsWith('one hot slot') || name.startsWith('one sender')) assert.ok(s.criticalPathBound! < 1.01, 'a chain')
      }
    })
  }
})
