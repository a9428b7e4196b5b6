/**
 * Plain-line progress for pipes, CI logs and --no-tui: no escape codes, one stable
 * `keyword key=value ...` line at a time, so logs can be grepped and diffed.
 *
 *   start    once, with the range and worker count
 *   progress every `everyBlocks` replayed blocks or every `everyMs` (only if something moved),
 *            and on every phase change
 *   mismatch one per mismatch, as soon as it appears
 *   note     when the snapshot's message changes
 *   summary  once, from finish()
 */
import type { MismatchLine, ProgressSnapshot } from '../../core/pipeline/progress.js'
import { UNKNOWN, formatDuration, formatRate, oneLine } from './format.js'
import type { Renderer } from './renderer.js'

/** Minimal sink, so tests can capture lines without a real stream. */
export interface LineSink {
  write(chunk: string): unknown
}

export interface PlainOptions {
  stream: LineSink
  /** A progress line at least every this many replayed blocks. */
  everyBlocks?: number
  /** ...and at least every this many ms while anything changes. */
  everyMs?: number
  /** Clock, injectable for tests. */
  now?: () => number
}

export const PLAIN_DEFAULTS = { everyBlocks: 1000, everyMs: 2000 } as const

/** Quote a value only when it needs it, so simple values stay grep-able as key=value. */
function kv(key: string, value: string | number): string {
  // Plain lines stay ASCII where we control them: "unknown" is "-", not the dashboard's "—".
  const v = value === UNKNOWN ? '-' : String(value)
  return /^[^\s"=]+$/.test(v) ? `${key}=${v}` : `${key}=${JSON.stringify(v)}`
}

function pct(done: number, total: number): string {
  return total > 0 ? ((100 * Math.min(done, total)) / total).toFixed(1) : '0.0'
}

function speedupList(s: ProgressSnapshot): string {
  return [...s.simulated].sort((a, b) => a.workers - b.workers).map(r => `${r.workers}w:${r.speedup.toFixed(1)}x`).join(',')
}

export function plainStartLine(s: ProgressSnapshot): string {
  return ['start', kv('range', `${s.range.from}-${s.range.to}`), kv('blocks', s.replay.total), kv('workers', s.workers.total), kv('title', s.title)].join(' ')
}

export function plainProgressLine(s: ProgressSnapshot): string {
  const r = s.replay
  const f = s.fetch
  return [
    'progress',
    kv('phase', s.phase),
    kv('replayed', `${r.done}/${r.total}`),
    kv('pct', pct(r.done, r.total)),
    kv('fetched', `${f.stored}/${f.total}`),
    kv('bps', formatRate(r.blocksPerSecondNow)),
    kv('bps_avg', formatRate(r.blocksPerSecondAvg)),
    kv('mgas_s', formatRate(r.mgasPerSecondNow)),
    kv('mgas_s_avg', formatRate(r.mgasPerSecondAvg)),
    kv('eta', formatDuration(r.etaSeconds)),
    kv('matched', s.verdicts.matched),
    kv('mismatched', s.verdicts.mismatched),
    kv('unchecked', s.verdicts.unchecked),
    kv('queue', f.queued),
    kv('inflight', f.inFlight),
    kv('requests', f.requests),
    kv('retries', f.retries),
    kv('errors', f.errors),
    kv('workers', `${s.workers.busy}/${s.workers.total}`),
    kv('aborts', s.blockStm.aborts),
    kv('reexec', s.blockStm.reexecutions),
  ].join(' ')
}

export function plainMismatchLine(m: MismatchLine): string {
  return ['mismatch', kv('block', m.block), kv('field', m.field), kv('detail', oneLine(m.detail))].join(' ')
}

export function plainSummaryLine(s: ProgressSnapshot, summary?: string): string {
  const r = s.replay
  const parts = [
    'summary',
    kv('phase', s.phase),
    kv('range', `${s.range.from}-${s.range.to}`),
    kv('replayed', `${r.done}/${r.total}`),
    kv('matched', s.verdicts.matched),
    kv('mismatched', s.verdicts.mismatched),
    kv('unchecked', s.verdicts.unchecked),
    kv('gas', r.gas),
    kv('elapsed', formatDuration(r.seconds)),
    kv('bps_avg', formatRate(r.blocksPerSecondAvg)),
    kv('mgas_s_avg', formatRate(r.mgasPerSecondAvg)),
    kv('requests', s.fetch.requests),
    kv('retries', s.fetch.retries),
    kv('errors', s.fetch.errors),
    kv('aborts', s.blockStm.aborts),
    kv('reexec', s.blockStm.reexecutions),
  ]
  if (s.simulated.length > 0) parts.push(kv('speedup', speedupList(s)))
  if (summary !== undefined && summary !== '') parts.push(kv('note', oneLine(summary)))
  return parts.join(' ')
}

/** What moved since the last progress line; a stalled job does not repeat identical lines. */
function signature(s: ProgressSnapshot): string {
  return [s.phase, s.replay.done, s.fetch.stored, s.fetch.requests, s.fetch.errors, s.fetch.retries,
    s.verdicts.matched, s.verdicts.mismatched, s.verdicts.unchecked].join('|')
}

export function createPlainRenderer(opts: PlainOptions): Renderer {
  const everyBlocks = opts.everyBlocks ?? PLAIN_DEFAULTS.everyBlocks
  const everyMs = opts.everyMs ?? PLAIN_DEFAULTS.everyMs
  const now = opts.now ?? Date.now
  const out = (line: string): void => { opts.stream.write(line + '\n') }

  let started = false
  let finished = false
  let printedMismatches = 0
  let lastPhase: ProgressSnapshot['phase'] | undefined
  let lastDone = 0
  let lastAt = 0
  let lastSignature = ''
  let lastMessage: string | undefined

  // Mismatches are read by index: the pipeline appends to (and may mutate) one array.
  const flushMismatches = (s: ProgressSnapshot): void => {
    for (; printedMismatches < s.mismatches.length; printedMismatches++) out(plainMismatchLine(s.mismatches[printedMismatches]!))
  }
  const flushMessage = (s: ProgressSnapshot): void => {
    if (s.message !== undefined && s.message !== lastMessage) out(['note', kv('message', oneLine(s.message))].join(' '))
    lastMessage = s.message
  }
  const progress = (s: ProgressSnapshot): void => {
    out(plainProgressLine(s))
    lastPhase = s.phase
    lastDone = s.replay.done
    lastAt = now()
    lastSignature = signature(s)
  }

  return {
    update(s) {
      if (finished) return
      if (!started) { out(plainStartLine(s)); started = true }
      flushMismatches(s)
      flushMessage(s)
      const t = now()
      const due =
        s.phase !== lastPhase ||
        s.replay.done - lastDone >= everyBlocks ||
        (t - lastAt >= everyMs && signature(s) !== lastSignature)
      if (due) progress(s)
    },
    finish(s, summary) {
      if (finished) return
      finished = true
      if (!started) out(plainStartLine(s))
      flushMismatches(s)
      flushMessage(s)
      out(plainSummaryLine(s, summary))
    },
    unmount() {
      finished = true
    },
  }
}
