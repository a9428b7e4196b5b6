/**
 * The inter-block replay pool: all 50 mainnet blocks of ../shared replayed by worker threads
 * give the sequential replay's reports (same digests, same verdicts), in block order; a
 * worker crash or a failing block is an error naming the block, and the pool carries on.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createReplayPool, PoolWorkerCrashError, type ReplayPool } from '../core/replay/pool.js'
import { replayStored } from '../core/replay/run-replay.js'
import type { BlockReport } from '../core/replay/replay-block.js'
import { importFixtures } from '../snapshots/import-fixtures.js'
import { Store } from '../storage/store.js'
import { needShared, sharedPath } from './support/shared.js'

async function collect(it: AsyncIterable<BlockReport>): Promise<BlockReport[]> {
  const out: BlockReport[] = []
  for await (const r of it) out.push(r)
  return out
}

describe('replay pool', needShared('mainnet'), () => {
  let store: Store
  let numbers: number[]
  const expected = new Map<number, string>()
  const pools: ReplayPool[] = []
  const pool = (opts: Parameters<typeof createReplayPool>[0]): ReplayPool => {
    const p = createReplayPool(opts)
    pools.push(p)
    return p
  }

  before(async () => {
    store = Store.open(':memory:')
    importFixtures(store, [sharedPath('mainnet')])
    numbers = store.blockNumbers()
    const seq = await replayStored(store, { mode: 'sequential', workers: 1 })
    assert.equal(seq.summary.matched, 50)
    for (const r of seq.reports) expected.set(r.number, r.digest)
  })
  after(async () => {
    for (const p of pools) await p.close()
    store?.close()
  })

  test('2 workers: every block, in order, with the sequential digests', async () => {
    const out = await replayStored(store, { mode: 'parallel', workers: 2, replayMany: pool({ workers: 2 }).replayMany })
    assert.deepEqual(out.reports.map((r) => r.number), numbers)
    assert.equal(out.summary.matched, 50)
    for (const r of out.reports) assert.equal(r.digest, expected.get(r.number), `block ${r.number}`)
  })

  test('Block-STM inside the pool workers', async () => {
    const some = numbers.filter((_, i) => i % 7 === 0)
    const reports = await collect(pool({ workers: 1, intra: 'block-stm', intraWorkers: 2 }).replayMany(some, store))
    assert.deepEqual(reports.map((r) => r.number), some)
    for (const r of reports) assert.equal(r.digest, expected.get(r.number), `block ${r.number}`)
  })

  test('a crashed worker is an error naming the block; the pool replaces the worker', async () => {
    const victim = numbers[3]!
    const p = pool({ workers: 2, crashOnBlock: victim })
    await assert.rejects(collect(p.replayMany(numbers.slice(0, 6), store)), (e: Error) =>
      e instanceof PoolWorkerCrashError && e.message.includes(`block ${victim}`))
    const again = await collect(p.replayMany(numbers.slice(4, 8), store))
    assert.deepEqual(again.map((r) => r.number), numbers.slice(4, 8))
  })

  test('a block that cannot be replayed is an error naming it', async () => {
    const bad = Store.open(':memory:')
    importFixtures(bad, [sharedPath('mainnet', `${numbers[1]}.json.gz`), sharedPath('mainnet', `${numbers[2]}.json.gz`)])
    bad.db.prepare('UPDATE blocks SET body = ? WHERE number = ?').run(Buffer.from('not gzip'), numbers[2])
    await assert.rejects(collect(pool({ workers: 2 }).replayMany([numbers[1]!, numbers[2]!], bad)), new RegExp(`block ${numbers[2]}`))
    bad.close()
  })

  test('a consumer that stops early leaves the pool usable', async () => {
    const p = pool({ workers: 2 })
    let seen = 0
    for await (const r of p.replayMany(numbers, store)) {
      assert.equal(r.digest, expected.get(r.number))
      if (++seen === 3) break
    }
    const next = await collect(p.replayMany(numbers.slice(10, 13), store))
    assert.deepEqual(next.map((r) => r.digest), numbers.slice(10, 13).map((n) => expected.get(n)))
  })
})
