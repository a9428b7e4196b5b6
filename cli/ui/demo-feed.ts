/**
 * Feeds a synthetic, evolving ProgressSnapshot to the renderer: for the tmux screen test
 * and for eyeballing the dashboard.  (Lives under cli/ because tsconfig does not compile scripts/.)
 *
 *   node dist/cli/ui/demo-feed.js [--duration=3000] [--blocks=1000] [--no-tui]
 *
 * Deterministic: the same --duration/--blocks give the same frames, so tests can assert on them.
 */
import { pathToFileURL } from 'node:url'
import { emptySnapshot, type MismatchLine, type ProgressSnapshot } from '../../core/pipeline/progress.js'
import { createRenderer, shouldUseTui } from './renderer.js'

const FROM = 18_000_000
/** Mismatch positions as fractions of the range; the list outgrows the dashboard on purpose. */
const MISMATCH_AT: ReadonlyArray<[number, string, string]> = [
  [0.12, 'stateRoot', 'expected 0x1f3a…9c02 got 0x77d1…e4b8'],
  [0.25, 'receiptsRoot', 'expected 0x5b9e…0a11 got 0x5b9e…0a12'],
  [0.38, 'gasUsed', 'expected 14,201,337 got 14,201,358 (+21)'],
  [0.47, 'logsBloom', 'bit 1337 set in replay, clear in header'],
  [0.61, 'receipt[3].status', 'expected 1 got 0 (reverted: out of gas)'],
  [0.74, 'balance', '0x95222290dd7278aa3ddd389cc1e1d165cc4bafe5 differs by 1 wei'],
  [0.9, 'storage', '0xdac17f958d2ee523a2206206994597c13d831ec7 slot 0x02'],
]
/** Pretend wall-clock length of the job: the demo compresses it into --duration. */
const JOB_SECONDS = 90
const AVG_GAS = 14.2e6
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x))

/** The job's state at progress t ∈ [0, 1]. Pure, so tests can use it as realistic input. */
export function demoSnapshot(t: number, blocks = 1000): ProgressSnapshot {
  const s = emptySnapshot(`parevm replay · mainnet`, FROM, FROM + blocks - 1, 8)
  const fetchF = clamp01(t / 0.6)
  const replayF = clamp01((t - 0.12) / 0.88)
  const stored = Math.floor(blocks * fetchF)
  const done = Math.min(stored, Math.floor(blocks * replayF))
  const seconds = t * JOB_SECONDS
  const wobble = 1 + 0.2 * Math.sin(t * 40)

  s.phase = t >= 1 ? 'done' : t < 0.02 ? 'starting' : done === 0 ? 'fetching' : 'replaying'
  s.fetch = {
    stored, total: blocks,
    queued: fetchF < 1 ? Math.round(96 + 60 * Math.sin(t * 25)) : 0,
    inFlight: fetchF < 1 ? 16 : 0,
    requests: stored * 3 + Math.floor(t * 40),
    retries: Math.floor(t * 12),
    errors: t > 0.5 ? 1 : 0,
    blocksPerSecond: fetchF < 1 ? (blocks / (0.6 * JOB_SECONDS)) * wobble : 0,
  }
  const mismatches: MismatchLine[] = MISMATCH_AT
    .filter(([at]) => Math.floor(blocks * at) < done)
    .map(([at, field, detail]) => ({ block: FROM + Math.floor(blocks * at), field, detail }))
  const unchecked = Math.floor(done / 97)
  const bpsAvg = seconds > 0 ? done / seconds : 0
  const bpsNow = done > 0 && t < 1 ? bpsAvg * wobble : 0
  s.replay = {
    done, total: blocks, gas: done * AVG_GAS, seconds,
    blocksPerSecondNow: bpsNow, blocksPerSecondAvg: bpsAvg,
    mgasPerSecondNow: (bpsNow * AVG_GAS) / 1e6, mgasPerSecondAvg: (bpsAvg * AVG_GAS) / 1e6,
    etaSeconds: t >= 1 ? 0 : bpsNow > 0 ? (blocks - done) / bpsNow : null,
  }
  s.workers = { total: 8, busy: t >= 1 || done === 0 ? 0 : 5 + Math.round(3 * Math.abs(Math.sin(t * 17))) }
  const executions = Math.floor(done * 152 * 1.04)
  s.blockStm = { executions, aborts: Math.floor(executions * 0.009), reexecutions: Math.floor(executions * 0.04), validationFailures: Math.floor(executions * 0.002) }
  s.verdicts = { matched: done - mismatches.length - unchecked, mismatched: mismatches.length, unchecked }
  s.mismatches = mismatches
  s.simulated = t > 0.3 ? [{ workers: 2, speedup: 1.8 }, { workers: 8, speedup: 3.1 }, { workers: 32, speedup: 3.6 }] : []
  if (done > 0) {
    const n = FROM + done - 1
    s.lastBlock = { number: n, txs: 120 + (n % 90), gas: AVG_GAS * wobble, ms: Math.round(70 * wobble), verdict: mismatches.some(m => m.block === n) ? 'mismatched' : n % 97 === 0 ? 'unchecked' : 'matched' }
  }
  if (s.phase === 'fetching' || s.phase === 'starting') s.message = 'prefetching blocks and receipts from the archive node'
  return s
}

export function demoSummary(s: ProgressSnapshot): string {
  const v = s.verdicts
  return `demo run: ${s.replay.done} blocks · ${v.matched} matched · ${v.mismatched} mismatched · ${v.unchecked} unchecked`
}

function arg(name: string, fallback: number): number {
  const a = process.argv.find(x => x.startsWith(`--${name}=`))
  const v = a ? Number(a.slice(name.length + 3)) : NaN
  return Number.isFinite(v) && v > 0 ? v : fallback
}

async function main(): Promise<void> {
  const durationMs = arg('duration', 3000)
  const blocks = arg('blocks', 1000)
  const tui = shouldUseTui({ noTui: process.argv.includes('--no-tui'), env: process.env, isTTY: process.stderr.isTTY })
  const renderer = createRenderer({ tui })
  // Ctrl-C belongs to the caller: this is what a command should do with it.
  process.once('SIGINT', () => { renderer.unmount(); process.exit(130) })

  const start = Date.now()
  // ~60 updates/s, far above the dashboard's frame rate, to exercise throttling.
  for (;;) {
    const t = Math.min(1, (Date.now() - start) / durationMs)
    if (t >= 1) break
    renderer.update(demoSnapshot(t, blocks))
    await new Promise(r => setTimeout(r, 16))
  }
  const last = demoSnapshot(1, blocks)
  renderer.finish(last, demoSummary(last))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
