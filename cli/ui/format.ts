/**
 * Pure formatting helpers shared by the ink dashboard and the plain-line renderer.
 * Everything here returns plain strings made of single-column characters, so that the
 * dashboard can budget widths by counting code points.
 */

/** Placeholder for "not known yet" (no ETA, no rate). */
export const UNKNOWN = '—'

/** Width in terminal columns, assuming single-column characters (all this module emits). */
export function visibleWidth(s: string): number {
  return [...s].length
}

/** Cut to `width` columns, marking the cut with "…" so a truncation is never silent. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return ''
  const chars = [...s]
  if (chars.length <= width) return s
  return chars.slice(0, width - 1).join('') + '…'
}

/** Right-pad (or cut) to exactly `width` columns. */
export function fit(s: string, width: number): string {
  const t = truncate(s, width)
  return t + ' '.repeat(Math.max(0, width - visibleWidth(t)))
}

/** 1234567 → "1,234,567". Fixed locale so output does not depend on the machine. */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return UNKNOWN
  const sign = n < 0 ? '-' : ''
  return sign + Math.round(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Compact counts for tight columns: 950, 12.3k, 4.56M, 1.2G. */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return UNKNOWN
  const a = Math.abs(n)
  if (a < 1000) return String(Math.round(n))
  const units: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]
  for (const [scale, suffix] of units) {
    if (a >= scale) {
      const v = n / scale
      return (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)) + suffix
    }
  }
  return String(n)
}

/**
 * A rate with precision that shrinks as it grows (3 significant-ish digits), so columns
 * stay narrow: 0.42, 7.5, 45.6, 312, 12.3k. Unknown or negative → "—".
 */
export function formatRate(v: number): string {
  if (!Number.isFinite(v) || v < 0) return UNKNOWN
  if (v >= 10_000) return formatCompact(v)
  if (v >= 100) return v.toFixed(0)
  if (v >= 10) return v.toFixed(1)
  if (v > 0 && v < 1) return v.toFixed(2)
  return v.toFixed(1)
}

/** Gas as Mgas with one decimal ("14.2 Mgas"), switching to Ggas for big totals. */
export function formatGas(gas: number): string {
  if (!Number.isFinite(gas)) return UNKNOWN
  if (gas >= 1e10) return `${(gas / 1e9).toFixed(1)} Ggas`
  return `${(gas / 1e6).toFixed(1)} Mgas`
}

/**
 * Seconds → "45s", "3m05s", "1h02m", "2d03h". Coarser units drop the seconds because
 * an ETA of hours does not deserve second precision. null/NaN/negative → "—".
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return UNKNOWN
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`
  const d = Math.floor(h / 24)
  return `${d}d${String(h % 24).padStart(2, '0')}h`
}

/** Fraction done in [0, 1]; an empty total counts as 0 (nothing to show yet). */
export function fraction(done: number, total: number): number {
  if (!(total > 0) || !Number.isFinite(done)) return 0
  return Math.min(1, Math.max(0, done / total))
}

/** "34.2%"; 100% only when really complete, so a nearly-done job never reads "100.0%". */
export function formatPercent(done: number, total: number): string {
  const f = fraction(done, total)
  const pct = f < 1 ? Math.min(99.9, Math.floor(f * 1000) / 10) : 100
  return `${pct.toFixed(1)}%`
}

const PARTIAL_BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

/**
 * A progress bar exactly `width` columns wide, with eighth-cell resolution so slow jobs
 * still visibly move. Returns filled and empty parts separately so callers can color them.
 */
export function barParts(f: number, width: number): { filled: string; empty: string } {
  const w = Math.max(0, Math.floor(width))
  const clamped = Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0
  const eighths = Math.round(clamped * w * 8)
  const full = Math.floor(eighths / 8)
  const partial = full < w ? PARTIAL_BLOCKS[eighths % 8]! : ''
  const filled = '█'.repeat(full) + partial
  return { filled, empty: '░'.repeat(w - full - (partial ? 1 : 0)) }
}

/** Convenience: the whole bar as one string. */
export function bar(f: number, width: number): string {
  const p = barParts(f, width)
  return p.filled + p.empty
}

/** "2.0×" style multiplier; one decimal is the honest precision of a simulation. */
export function formatSpeedup(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)}×` : UNKNOWN
}

/** "2w 1.8× · 8w 3.1× · 32w 3.6×", sorted by worker count; "—" when nothing simulated yet. */
export function formatSpeedupTable(rows: ReadonlyArray<{ workers: number; speedup: number }>): string {
  if (rows.length === 0) return UNKNOWN
  return [...rows]
    .sort((a, b) => a.workers - b.workers)
    .map(r => `${r.workers}w ${formatSpeedup(r.speedup)}`)
    .join(' · ')
}

/** "#18,000,123": the usual way block numbers are written. */
export function formatBlock(n: number): string {
  return `#${formatInt(n)}`
}

/** Collapse whitespace/newlines so a detail string can never break a one-line layout. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}
