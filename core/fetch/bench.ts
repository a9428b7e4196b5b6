/**
 * Fetch throughput against a local anvil: blocks/s, requests per block, and CPU per block on
 * both sides (this process's `process.cpuUsage()` against anvil's utime+stime from
 * /proc/<pid>/stat), for several `--concurrency` values and both discovery modes. Every
 * configuration fetches the same blocks into a fresh in-memory database.
 */
import { readFileSync } from 'node:fs'
import { startAnvil } from './anvil.js'
import { generateWorkload } from '../workload/index.js'
import { Store } from '../../storage/store.js'
import { RpcClient } from './rpc-client.js'
import { fetchRange, rpcConcurrencyFor, type DiscoveryMode, type WitnessMode } from './fetcher.js'

export interface FetchBenchOptions {
  blocks?: number
  hardfork?: string
  concurrency?: number[]
  discovery?: Array<Exclude<DiscoveryMode, 'auto'>>
  /** Default proofs (witness none still reads values through eth_getProof, but stores no witness). */
  witness?: WitnessMode
  onRow?: (row: FetchBenchRow) => void
}

export interface FetchBenchRow {
  discovery: string
  witness: string
  concurrency: number
  blocks: number
  txs: number
  seconds: number
  blocksPerSecond: number
  requestsPerBlock: number
  callsPerBlock: number
  /** CPU milliseconds per block: ours (fetcher, validation, discovery executions) and anvil's. */
  clientCpuMsPerBlock: number
  nodeCpuMsPerBlock: number
  /** Of the client's time: discovery executions per block and their share. */
  executionsPerBlock: number
  executeMsPerBlock: number
}

/** utime + stime of a process in seconds; undefined where /proc is not available. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  } catch {
    return undefined
  }
}

/** USER_HZ: 100 on Linux everywhere it matters (getconf CLK_TCK). */
const CLOCK_TICKS = 100

export async function benchFetch(o: FetchBenchOptions = {}): Promise<{ hardfork: string; workloadTxs: number; rows: FetchBenchRow[] }> {
  const hardfork = o.hardfork ?? 'cancun'
  const node = await startAnvil({ hardfork, genesisTimestamp: 1_700_000_000 })
  try {
    const w = await generateWorkload(node.url, { blocks: o.blocks ?? 60 })
    // From block 2: block 1's parent is anvil's genesis, whose stateRoot proves nothing.
    const from = w.fromBlock + 1
    const rows: FetchBenchRow[] = []
    for (const discovery of o.discovery ?? ['execute', 'trace']) {
      for (const concurrency of o.concurrency ?? [1, 4, 16]) {
        const store = Store.open(':memory:')
        const rpc = new RpcClient(node.url, { concurrency: rpcConcurrencyFor(concurrency) })
        const nodeCpu0 = processCpuSeconds(node.pid) ?? NaN
        const cpu0 = process.cpuUsage()
        const s = await fetchRange(store, rpc, { from, to: w.toBlock, discovery, concurrency, witness: o.witness ?? 'proofs' })
        const cpu = process.cpuUsage(cpu0)
        const nodeCpu = (processCpuSeconds(node.pid) ?? NaN) - nodeCpu0
        await rpc.close()
        store.close()
        const row: FetchBenchRow = {
          discovery, witness: o.witness ?? 'proofs', concurrency, blocks: s.stored, txs: s.txs, seconds: s.seconds, blocksPerSecond: s.blocksPerSecond,
          requestsPerBlock: s.requestsPerBlock, callsPerBlock: s.callsPerBlock,
          clientCpuMsPerBlock: (cpu.user + cpu.system) / 1000 / s.stored,
          nodeCpuMsPerBlock: (nodeCpu * 1000) / s.stored,
          executionsPerBlock: s.executions / s.stored,
          executeMsPerBlock: (s.executeSeconds * 1000) / s.stored,
        }
        rows.push(row)
        o.onRow?.(row)
      }
    }
    return { hardfork, workloadTxs: w.txCount, rows }
  } finally {
    await node.stop()
  }
}

export function fetchBenchTable(r: { hardfork: string; workloadTxs: number; rows: FetchBenchRow[] }): string {
  const first = r.rows[0]
  const lines = [
    `Fetch from a local anvil (${r.hardfork}), ${first?.blocks ?? 0} blocks, ${first?.txs ?? 0} txs, witness ${first?.witness ?? 'proofs'}:`,
    '',
    '| discovery | concurrency | blocks/s | requests/block | calls/block | client CPU ms/block | anvil CPU ms/block | executions/block | execute ms/block |',
    '|---|---|---|---|---|---|---|---|---|',
  ]
  for (const x of r.rows) {
    lines.push(`| ${x.discovery} | ${x.concurrency} | ${x.blocksPerSecond.toFixed(1)} | ${x.requestsPerBlock.toFixed(1)} | ${x.callsPerBlock.toFixed(1)} | ` +
      `${x.clientCpuMsPerBlock.toFixed(1)} | ${x.nodeCpuMsPerBlock.toFixed(1)} | ${x.executionsPerBlock.toFixed(1)} | ${x.executeMsPerBlock.toFixed(1)} |`)
  }
  return lines.join('\n')
}
