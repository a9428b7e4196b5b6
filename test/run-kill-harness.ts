/**
 * Kill -9 a real `parevm run` (fetch → replay → verify) at random moments, rerun until it
 * completes, and compare the final verdicts with an uninterrupted run over the same chain.
 * Used by test/run-kill.test.ts (short) and scripts/kill-resume-run.mjs (10 trials).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startAnvil } from '../core/fetch/anvil.js'
import { generateWorkload } from '../core/workload/index.js'
import { seededRandom } from './support/fault-proxy.js'
import { BIN } from './support/shared.js'

export interface RunKillTrial {
  delayMs: number
  killed: boolean
  /** Blocks stored when the completing rerun started. */
  storedBefore: number
  /** The completing rerun: blocks it found stored, blocks it fetched, verdicts it reused. */
  alreadyStored: number
  fetched: number
  resumedVerdicts: number
  /** block → "digest checks" after the rerun. */
  verdicts: Map<number, string>
}

export interface RunKillResult {
  blocks: number
  /** block → "digest checks" of the uninterrupted run. */
  reference: Map<number, string>
  trials: RunKillTrial[]
}

function cli(args: string[], killAfterMs?: number): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)))
    let killed = false
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = child.kill('SIGKILL')
    }, killAfterMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, killed: killed && code === null, stdout, stderr })
    })
  })
}

function verdicts(db: string): Map<number, string> {
  const d = new Database(db, { readonly: true })
  try {
    const run = d.prepare(`SELECT id FROM runs WHERE mode LIKE 'pipeline:%' ORDER BY id DESC LIMIT 1`).get() as { id: number }
    const rows = d.prepare('SELECT block, digest, checks FROM results WHERE run_id = ? ORDER BY block').all(run.id) as Array<{ block: number; digest: string; checks: string }>
    return new Map(rows.map((r) => [r.block, `${r.digest} ${r.checks}`]))
  } finally {
    d.close()
  }
}

function storedBlocks(db: string): number {
  try {
    const d = new Database(db, { readonly: true })
    try {
      return (d.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n
    } finally {
      d.close()
    }
  } catch {
    return 0
  }
}

export async function runKillCheck(opts: { blocks: number; /** Trials, one kill each. */ kills: number; seed: number; hardfork?: string; log?: (l: string) => void }): Promise<RunKillResult> {
  const node = await startAnvil({ hardfork: opts.hardfork ?? 'cancun', genesisTimestamp: 1_700_000_000 })
  try {
    const w = await generateWorkload(node.url, { blocks: opts.blocks, seed: opts.seed })
    const range = ['--rpc', node.url, '--from', String(w.fromBlock), '--to', String(w.toBlock), '--mode', 'sequential', '--no-tui']
    const dir = mkdtempSync(join(tmpdir(), 'parevm-runkill-'))
    const refDb = join(dir, 'reference.db')
    const t0 = performance.now()
    const ref = await cli(['run', ...range, '--db', refDb])
    if (ref.code !== 0 && ref.code !== 1) throw new Error(`reference run failed (${ref.code}): ${ref.stderr}`)
    const refMs = performance.now() - t0
    const random = seededRandom(opts.seed)
    const trials: RunKillTrial[] = []
    // Each trial: a fresh database, one kill -9 at a random moment of the job, then a rerun.
    for (let i = 0; i < opts.kills; i++) {
      const db = join(dir, `trial-${i}.db`)
      const delay = 150 + Math.floor(random() * refMs * 0.95)
      const r = await cli(['run', ...range, '--db', db], delay)
      const storedBefore = storedBlocks(db)
      const final = await cli(['run', ...range, '--db', db, '--json'])
      if (final.code !== 0 && final.code !== 1) throw new Error(`rerun failed (${final.code}): ${final.stderr}`)
      const out = JSON.parse(final.stdout) as { resumed: number; fetch: { stored: number; alreadyStored: number } }
      const trial = {
        delayMs: delay, killed: r.killed, storedBefore, alreadyStored: out.fetch.alreadyStored, fetched: out.fetch.stored,
        resumedVerdicts: out.resumed, verdicts: verdicts(db),
      }
      opts.log?.(`trial ${i}: kill after ${delay} ms: ${r.killed ? 'killed' : `exited ${r.code}`} with ${storedBefore} blocks stored; ` +
        `rerun fetched ${trial.fetched}, reused ${trial.resumedVerdicts} verdicts`)
      trials.push(trial)
    }
    return { blocks: w.toBlock - w.fromBlock + 1, reference: verdicts(refDb), trials }
  } finally {
    await node.stop()
  }
}
