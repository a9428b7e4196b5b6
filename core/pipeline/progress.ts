/**
 * What a running job reports, as one plain snapshot the terminal UI (or the plain-line
 * fallback) renders. The pipeline updates it; renderers only read it.
 */
export type Verdict = 'matched' | 'mismatched' | 'unchecked'

export interface MismatchLine {
  block: number
  field: string
  detail: string
}

export interface ProgressSnapshot {
  title: string
  range: { from: number; to: number }
  phase: 'starting' | 'fetching' | 'replaying' | 'done' | 'failed' | 'stopping'
  fetch: {
    stored: number
    total: number
    queued: number
    inFlight: number
    requests: number
    retries: number
    errors: number
    blocksPerSecond: number
  }
  replay: {
    done: number
    total: number
    gas: number
    seconds: number
    /** Over the last few seconds / since start. */
    blocksPerSecondNow: number
    blocksPerSecondAvg: number
    mgasPerSecondNow: number
    mgasPerSecondAvg: number
    etaSeconds: number | null
  }
  workers: { total: number; busy: number }
  blockStm: { executions: number; aborts: number; reexecutions: number; validationFailures: number }
  verdicts: { matched: number; mismatched: number; unchecked: number }
  /** Every mismatch, newest last. */
  mismatches: MismatchLine[]
  /** Simulator: projected speedup at N workers from measured dependency graphs. */
  simulated: Array<{ workers: number; speedup: number }>
  lastBlock?: { number: number; txs: number; gas: number; ms: number; verdict: Verdict }
  message?: string
}

export function emptySnapshot(title: string, from: number, to: number, workers: number): ProgressSnapshot {
  return {
    title,
    range: { from, to },
    phase: 'starting',
    fetch: { stored: 0, total: to - from + 1, queued: 0, inFlight: 0, requests: 0, retries: 0, errors: 0, blocksPerSecond: 0 },
    replay: { done: 0, total: to - from + 1, gas: 0, seconds: 0, blocksPerSecondNow: 0, blocksPerSecondAvg: 0, mgasPerSecondNow: 0, mgasPerSecondAvg: 0, etaSeconds: null },
    workers: { total: workers, busy: 0 },
    blockStm: { executions: 0, aborts: 0, reexecutions: 0, validationFailures: 0 },
    verdicts: { matched: 0, mismatched: 0, unchecked: 0 },
    mismatches: [],
    simulated: [],
  }
}
