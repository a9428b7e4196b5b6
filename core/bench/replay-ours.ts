/** Bench child: our sequential engine on the same stored blocks, timed by phase. One JSON line. */
import { BlockExecutor } from '../execute/block-executor.js'
import { chainRules } from '../execute/chain.js'
import { kzgReady } from '../execute/crypto.js'
import { replayRawBlock, sequentialExecute } from '../replay/replay-block.js'
import { Store } from '../../storage/store.js'

async function main(db: string): Promise<void> {
  await kzgReady()
  const store = Store.open(db, { readonly: true })
  const rules = chainRules(store.chain()!.profile)
  const execute = sequentialExecute(new BlockExecutor())
  const rows = []
  for (const n of store.blockNumbers()) {
    const t0 = performance.now()
    const raw = store.rawBlock(n)
    const read = (performance.now() - t0) / 1000
    const r = await replayRawBlock(raw, rules, execute)
    const ok = !Object.values(r.checks).includes('mismatch')
    rows.push({ number: n, txs: r.txs, gas: r.gasUsed, load: r.seconds.load + read, recover: r.seconds.recover, execute: r.seconds.execute, verify: r.seconds.verify, total: r.seconds.total + read, ok })
  }
  store.close()
  process.stdout.write(JSON.stringify({ engine: 'parevm sequential', rows }) + '\n')
}

await main(process.argv[2]!)
