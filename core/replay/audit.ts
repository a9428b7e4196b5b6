/**
 * Determinism audit: replay the same stored blocks R times — sequentially once as the
 * reference, then with Block-STM across worker counts and seeded, perturbed schedules — and
 * report every block whose digest differs between any two replays.
 */
import { chainRules } from '../execute/chain.js'
import { kzgReady } from '../execute/crypto.js'
import { BlockExecutor } from '../execute/block-executor.js'
import { blockStmExecute } from '../execute/parallel/index.js'
import type { Store } from '../../storage/store.js'
import { replayRawBlock, sequentialExecute, type ExecuteFn } from './replay-block.js'

export interface AuditConfig {
  label: string
  mode: 'sequential' | 'block-stm'
  workers: number
  seed?: number
}

export interface AuditDifference {
  block: number
  reference: string
  config: string
  digest: string
}

export interface AuditResult {
  blocks: number
  runs: number
  configs: AuditConfig[]
  differences: AuditDifference[]
  /** Replays that threw (a crash is a finding too). */
  errors: Array<{ block: number; config: string; error: string }>
  seconds: number
}

const WORKER_CYCLE = [2, 4, 1, 8]

/** Run 1 is the sequential reference; the others cycle worker counts with distinct perturbation seeds. */
export function auditConfigs(runs: number, seed: number): AuditConfig[] {
  const out: AuditConfig[] = [{ label: 'sequential', mode: 'sequential', workers: 1 }]
  for (let i = 1; i < runs; i++) {
    const workers = WORKER_CYCLE[(i - 1) % WORKER_CYCLE.length]!
    out.push({ label: `block-stm w=${workers} seed=${seed + i}`, mode: 'block-stm', workers, seed: seed + i })
  }
  return out
}

export async function auditStored(
  store: Store, numbers: number[], runs: number, seed: number,
  onProgress?: (config: AuditConfig, done: number, total: number) => void,
): Promise<AuditResult> {
  await kzgReady()
  const t0 = performance.now()
  const rules = chainRules(store.chain()!.profile)
  const configs = auditConfigs(runs, seed)
  const reference = new Map<number, string>()
  const differences: AuditDifference[] = []
  const errors: AuditResult['errors'] = []
  for (const config of configs) {
    let execute: ExecuteFn & { close?: () => Promise<void> }
    if (config.mode === 'sequential') execute = sequentialExecute(new BlockExecutor())
    else {
      execute = blockStmExecute({
        workers: config.workers,
        perturb: { seed: config.seed!, lateProbability: 0.2, maxLateMs: 2, staleProbability: 0.2, slowProbability: 0.1, maxSlowMs: 1 },
      })
    }
    try {
      let done = 0
      for (const n of numbers) {
        try {
          const report = await replayRawBlock(store.rawBlock(n), rules, execute)
          const ref = reference.get(n)
          if (ref === undefined) reference.set(n, report.digest)
          else if (ref !== report.digest) differences.push({ block: n, reference: ref, config: config.label, digest: report.digest })
        } catch (e) {
          errors.push({ block: n, config: config.label, error: (e as Error).message })
        }
        onProgress?.(config, ++done, numbers.length)
      }
    } finally {
      await execute.close?.()
    }
  }
  return { blocks: numbers.length, runs, configs, differences, errors, seconds: (performance.now() - t0) / 1000 }
}
