/**
 * Sequential engine vs @ethereumjs `runBlock` + MerkleStateManager + Caches, on the same
 * stored blocks, in one run: the two alternate (A B A B) in separate processes and the
 * ratio is taken round by round. Also where our replay time goes.
 */
import { runChild } from './run-child.js'

interface OurRow { number: number; txs: number; gas: number; load: number; recover: number; execute: number; verify: number; total: number; ok: boolean }
interface BaseRow { number: number; txs: number; gas: number; load: number; recover: number; state: number; execute: number; ok: boolean }

export interface EngineBenchResult {
  rounds: number
  blocks: number
  txs: number
  gas: number
  ours: { seconds: number; mgasPerSecond: number; txPerSecond: number; matched: number; phases: Record<string, number> }
  baseline: { seconds: number; mgasPerSecond: number; txPerSecond: number; matched: number; phases: Record<string, number> }
  /** Baseline seconds / our seconds, per round, and their median. */
  ratios: number[]
  ratio: number
  shares: { recoverOfReplay: number; loadOfExecute: number }
}

const sum = <T>(rows: T[], f: (r: T) => number): number => rows.reduce((s, r) => s + f(r), 0)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const r3 = (x: number): number => Math.round(x * 1000) / 1000

export async function engineBench(db: string, rounds = 2): Promise<EngineBenchResult> {
  const ours: OurRow[][] = []
  const base: BaseRow[][] = []
  for (let i = 0; i < rounds; i++) {
    ours.push((await runChild<{ rows: OurRow[] }>('replay-ours.js', [db])).output.rows)
    base.push((await runChild<{ rows: BaseRow[] }>('baseline-runblock.js', [db])).output.rows)
  }
  const ourTotals = ours.map((rows) => sum(rows, (r) => r.total))
  const baseTotals = base.map((rows) => sum(rows, (r) => r.load + r.recover + r.state + r.execute))
  const ratios = baseTotals.map((b, i) => r3(b / ourTotals[i]!))
  // Report the round with the median ratio, so phases and ratio describe the same measurement.
  const pick = ratios.indexOf(median(ratios))
  const o = ours[pick]!
  const b = base[pick]!
  const gas = sum(o, (r) => r.gas)
  const txs = sum(o, (r) => r.txs)
  const oSec = ourTotals[pick]!
  const bSec = baseTotals[pick]!
  return {
    rounds, blocks: o.length, txs, gas,
    ours: {
      seconds: r3(oSec), mgasPerSecond: r3(gas / 1e6 / oSec), txPerSecond: Math.round(txs / oSec), matched: o.filter((r) => r.ok).length,
      phases: { load: r3(sum(o, (r) => r.load)), recover: r3(sum(o, (r) => r.recover)), execute: r3(sum(o, (r) => r.execute)), verify: r3(sum(o, (r) => r.verify)) },
    },
    baseline: {
      seconds: r3(bSec), mgasPerSecond: r3(gas / 1e6 / bSec), txPerSecond: Math.round(txs / bSec), matched: b.filter((r) => r.ok).length,
      phases: { load: r3(sum(b, (r) => r.load)), recover: r3(sum(b, (r) => r.recover)), stateLoad: r3(sum(b, (r) => r.state)), execute: r3(sum(b, (r) => r.execute)) },
    },
    ratios,
    ratio: median(ratios),
    shares: {
      recoverOfReplay: r3(sum(o, (r) => r.recover) / oSec),
      loadOfExecute: r3(sum(o, (r) => r.load) / sum(o, (r) => r.execute)),
    },
  }
}
