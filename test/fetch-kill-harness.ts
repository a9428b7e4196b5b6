/**
 * Kill -9 at random moments during a real `parevm fetch` (the CLI in a child process), rerun
 * until it completes, then compare every table with an uninterrupted fetch of the same range.
 * Used by test/fetch-kill.test.ts (short) and scripts/kill-resume-fetch.mjs (long).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startAnvil } from '../core/fetch/anvil.js'
import { generateWorkload } from '../core/workload/index.js'
import { Store } from '../storage/store.js'
import { storeDigest, type TableDigest } from '../core/fetch/store-digest.js'
import { seededRandom } from './support/fault-proxy.js'
import { BIN } from './support/shared.js'

export interface KillResumeOptions {
  hardfork: string
  blocks: number
  kills: number
  seed?: number
  discovery?: 'auto' | 'trace' | 'execute'
  concurrency?: number
  log?: (line: string) => void
}

export interface KillRecord {
  attempt: number
  delayMs: number
  /** False when the fetch finished before the kill was due. */
  killed: boolean
  storedAfter: number
}

export interface KillResumeResult {
  from: number
  to: number
  referenceMs: number
  kills: KillRecord[]
  /** Runs it took to complete after the kills. */
  finalRuns: number
  reference: Record<string, TableDigest>
  resumed: Record<string, TableDigest>
  integrity: string
}

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

function runCli(args: string[], killAfterMs?: number): Promise<Exit & { killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)))
    let killed = false
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = child.kill('SIGKILL')
    }, killAfterMs)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stderr, killed: killed && signal === 'SIGKILL' })
    })
  })
}

function storedBlocks(db: string): number {
  const d = new Database(db)
  try {
    return (d.prepare('SELECT count(*) AS n FROM blocks').get() as { n: number }).n
  } catch {
    return 0 // killed before the schema was created
  } finally {
    d.close()
  }
}

export async function killResumeCheck(o: KillResumeOptions): Promise<KillResumeResult> {
  const log = o.log ?? (() => undefined)
  const random = seededRandom(o.seed ?? 1)
  const dir = mkdtempSync(join(tmpdir(), 'parevm-kill-'))
  const node = await startAnvil({ hardfork: o.hardfork, genesisTimestamp: 1_700_000_000 })
  try {
    const w = await generateWorkload(node.url, { blocks: o.blocks })
    const base = ['fetch', '--rpc', node.url, '--from', String(w.fromBlock), '--to', String(w.toBlock),
      '--discovery', o.discovery ?? 'auto', '--concurrency', String(o.concurrency ?? 4)]
    const refDb = join(dir, 'reference.db')
    const t0 = performance.now()
    const ref = await runCli([...base, '--db', refDb])
    const referenceMs = performance.now() - t0
    if (ref.code !== 0) throw new Error(`reference fetch failed (${ref.code}): ${ref.stderr}`)
    log(`reference: blocks ${w.fromBlock}..${w.toBlock} in ${referenceMs.toFixed(0)} ms`)

    // A run with nothing left to fetch: the CLI's start-up cost (node, modules, chain checks).
    const t1 = performance.now()
    const noop = await runCli([...base, '--db', refDb])
    const startupMs = performance.now() - t1
    if (noop.code !== 0) throw new Error(`rerun on a complete database failed (${noop.code}): ${noop.stderr}`)
    log(`start-up: ${startupMs.toFixed(0)} ms`)

    const db = join(dir, 'resumed.db')
    const kills: KillRecord[] = []
    // Kill moments from late in start-up through the fetch: each run gets a random share of the work.
    const span = (2 * Math.max(referenceMs - startupMs, 100)) / (o.kills + 1)
    for (let attempt = 1; kills.filter((k) => k.killed).length < o.kills && attempt <= o.kills * 3; attempt++) {
      const delayMs = Math.round(0.8 * startupMs + random() * span)
      const r = await runCli([...base, '--db', db], delayMs)
      const storedAfter = storedBlocks(db)
      kills.push({ attempt, delayMs, killed: r.killed, storedAfter })
      log(`run ${attempt}: ${r.killed ? `killed after ${delayMs} ms` : `exited ${r.code}`}, ${storedAfter} blocks stored`)
      if (!r.killed && r.code !== 0) throw new Error(`fetch failed (${r.code}): ${r.stderr}`)
      if (!r.killed) break
    }
    let finalRuns = 0
    for (;;) {
      finalRuns++
      const r = await runCli([...base, '--db', db])
      if (r.code === 0) break
      throw new Error(`resumed fetch failed (${r.code}): ${r.stderr}`)
    }
    const a = Store.open(refDb)
    const b = Store.open(db)
    try {
      const integrity = (b.db.pragma('integrity_check', { simple: true }) as string)
      return { from: w.fromBlock, to: w.toBlock, referenceMs, kills, finalRuns, reference: storeDigest(a), resumed: storeDigest(b), integrity }
    } finally {
      a.close()
      b.close()
    }
  } finally {
    await node.stop()
  }
}
