/**
 * The ink dashboard for long replay jobs, drawn on stderr so stdout stays clean for --json.
 *
 * Layout is computed by pure functions (`buildFrame`) as lines of colored spans whose
 * widths are budgeted here, not by flexbox: that is what guarantees the 80×24 fit. The ink
 * components only paint those lines; `wrap="truncate-end"` is a safety net, never the plan.
 */
import React from 'react'
import { Box, Text, render, renderToString, type Instance } from 'ink'
import type { MismatchLine, ProgressSnapshot, Verdict } from '../../core/pipeline/progress.js'
import {
  UNKNOWN, barParts, formatBlock, formatCompact, formatDuration, formatGas, formatInt, formatPercent,
  formatRate, formatSpeedupTable, fraction, oneLine, truncate, visibleWidth,
} from './format.js'
import type { Renderer } from './renderer.js'

// ---------------------------------------------------------------------------------------
// Frame model: pure data, testable without a terminal.

export interface Span {
  text: string
  color?: string
  bold?: boolean
  dim?: boolean
}
export type Line = Span[]

export interface FrameOptions {
  /** Total columns the frame may use (border included). */
  width: number
  /** Terminal rows; the mismatch list shrinks so the frame never reaches the last row. */
  rows: number
  /** Present on the final frame only. */
  summary?: string
  final?: boolean
}

export interface Frame {
  /** Lines inside the border. */
  lines: Line[]
  /** The line under the box on the final frame. */
  summary?: Line
}

/** Border (2) + padding (2). */
const CHROME_COLUMNS = 4
/** Rows that are always there: border 2, nine stat rows, 2 blanks, mismatch header, speedup,
 *  last block, and the summary line reserved so the final frame does not shift. */
const FIXED_ROWS = 17
const MAX_MISMATCH_ROWS = 5
/** Widest label ("mismatches", "last block") plus one space. */
const LABEL_WIDTH = 11

const PHASE_COLOR: Record<ProgressSnapshot['phase'], string> = {
  starting: 'gray', fetching: 'blue', replaying: 'cyan', done: 'green', failed: 'red', stopping: 'yellow',
}
const VERDICT_STYLE: Record<Verdict, Span> = {
  matched: { text: '✓ matched', color: 'green' },
  mismatched: { text: '✗ mismatched', color: 'red', bold: true },
  unchecked: { text: '? unchecked', color: 'yellow' },
}

const sp = (text: string, style: Omit<Span, 'text'> = {}): Span => ({ text, ...style })
const dim = (text: string): Span => ({ text, dim: true })
const SEP = dim(' · ')

export function lineWidth(line: Line): number {
  return line.reduce((n, s) => n + visibleWidth(s.text), 0)
}

/** Cut a span list to `width` columns, truncating the span that crosses the edge. */
export function clipLine(line: Line, width: number): Line {
  const out: Line = []
  let left = width
  for (const s of line) {
    if (left <= 0) break
    const w = visibleWidth(s.text)
    if (w <= left) { out.push(s); left -= w } else { out.push({ ...s, text: truncate(s.text, left) }); left = 0 }
  }
  return out
}

/** Left part, then right part flush to the edge; the left side gives way first. */
export function spread(left: Line, right: Line, width: number): Line {
  const rw = lineWidth(right)
  if (rw === 0) return clipLine(left, width)
  if (rw + 1 > width) return clipLine(left, width)
  const l = clipLine(left, width - rw - 1)
  return [...l, sp(' '.repeat(width - lineWidth(l) - rw)), ...right]
}

const label = (text: string): Span => sp(text.padEnd(LABEL_WIDTH), { bold: true })

/** `label [bar] right`, the bar taking whatever width is left. */
function barLine(name: string, f: number, right: Line, width: number, color: string): Line {
  const barWidth = width - LABEL_WIDTH - lineWidth(right) - 1
  if (barWidth < 8) return clipLine([label(name), ...right], width)
  const { filled, empty } = barParts(f, barWidth)
  return [label(name), sp(filled, { color }), sp(empty, { dim: true }), sp(' '), ...right]
}

/** "word n", the number highlighted only when non-zero (zero retries is not news). */
function count(n: number, color: string, word: string): Line {
  return n > 0 ? [sp(`${word} `), sp(formatCompact(n), { color, bold: true })] : [sp(`${word} ${formatCompact(n)}`)]
}

function headerLine(s: ProgressSnapshot, w: number): Line {
  return spread([sp(oneLine(s.title), { bold: true, color: 'cyan' })], [sp(`● ${s.phase}`, { color: PHASE_COLOR[s.phase] })], w)
}

function rangeLine(s: ProgressSnapshot, w: number): Line {
  const left: Line = [label('range'), sp(`${formatBlock(s.range.from)} → ${formatBlock(s.range.to)}`)]
  const eta = s.phase === 'done' ? 'done' : formatDuration(s.replay.etaSeconds)
  const right: Line = [dim('elapsed '), sp(formatDuration(s.replay.seconds)), SEP, dim('ETA '), sp(eta, { bold: true })]
  return spread(left, right, w)
}

function replayLine(s: ProgressSnapshot, w: number): Line {
  const r = s.replay
  const right: Line = [sp(formatPercent(r.done, r.total).padStart(6), { bold: true }), dim(`  ${formatInt(r.done)}/${formatInt(r.total)}`)]
  return barLine('replay', fraction(r.done, r.total), right, w, 'green')
}

function fetchLine(s: ProgressSnapshot, w: number): Line {
  const f = s.fetch
  const right: Line = [sp(formatPercent(f.stored, f.total).padStart(6)), dim(`  ${formatInt(f.stored)}/${formatInt(f.total)}`), dim(`  ${formatRate(f.blocksPerSecond)} blk/s`)]
  return barLine('fetch', fraction(f.stored, f.total), right, w, 'blue')
}

function speedLine(s: ProgressSnapshot, w: number): Line {
  const r = s.replay
  return clipLine([
    label('speed'), dim('now '), sp(`${formatRate(r.blocksPerSecondNow)} blk/s  ${formatRate(r.mgasPerSecondNow)} Mgas/s`, { bold: true }),
    SEP, dim('avg '), sp(`${formatRate(r.blocksPerSecondAvg)} blk/s  ${formatRate(r.mgasPerSecondAvg)} Mgas/s`),
  ], w)
}

function rpcLine(s: ProgressSnapshot, w: number): Line {
  const f = s.fetch
  // Large counters go compact: this row has the least slack.
  return clipLine([
    label('rpc'), sp(`queue ${formatCompact(f.queued)}`), SEP, sp(`in-flight ${formatCompact(f.inFlight)}`), SEP,
    sp(`requests ${formatCompact(f.requests)}`), SEP, ...count(f.retries, 'yellow', 'retries'), SEP, ...count(f.errors, 'red', 'errors'),
  ], w)
}

function workersLine(s: ProgressSnapshot, w: number): Line {
  const { busy, total } = s.workers
  // One cell per worker up to 16, so small pools read at a glance.
  const cells = Math.max(1, Math.min(16, total))
  const { filled, empty } = barParts(fraction(busy, total), cells)
  return clipLine([label('workers'), sp(filled, { color: 'magenta' }), sp(empty, { dim: true }), sp(` ${busy}/${total} busy`)], w)
}

function stmLine(s: ProgressSnapshot, w: number): Line {
  const b = s.blockStm
  const rate = b.executions > 0 ? dim(` (${((100 * b.aborts) / b.executions).toFixed(1)}%)`) : dim('')
  return clipLine([
    label('block-stm'), ...count(b.aborts, 'yellow', 'aborts'), rate, SEP, sp(`re-exec ${formatCompact(b.reexecutions)}`), SEP,
    sp(`exec ${formatCompact(b.executions)}`), SEP, sp(`val-fail ${formatCompact(b.validationFailures)}`),
  ], w)
}

function verdictLine(s: ProgressSnapshot, w: number): Line {
  const v = s.verdicts
  return clipLine([
    label('verdicts'),
    sp(`✓ ${formatInt(v.matched)} matched`, { color: 'green' }), SEP,
    sp(`✗ ${formatInt(v.mismatched)} mismatched`, v.mismatched > 0 ? { color: 'red', bold: true } : { dim: true }), SEP,
    sp(`? ${formatInt(v.unchecked)} unchecked`, v.unchecked > 0 ? { color: 'yellow' } : { dim: true }),
  ], w)
}

/** Header plus the newest `maxRows` mismatches (oldest of them first, like a log tail). */
export function mismatchLines(list: readonly MismatchLine[], maxRows: number, blockWidth: number, w: number): Line[] {
  if (list.length === 0) return [[label('mismatches'), sp('none', { color: 'green' })]]
  const shown = maxRows > 0 ? list.slice(-maxRows) : []
  const hidden = list.length - shown.length
  const header = spread(
    [label('mismatches'), sp(formatInt(list.length), { color: 'red', bold: true })],
    hidden > 0 ? [dim(`+${formatInt(hidden)} more`)] : [],
    w,
  )
  const fieldWidth = Math.min(18, Math.max(...shown.map(m => visibleWidth(m.field)), 5))
  return [header, ...shown.map(m => clipLine([
    sp('  '), sp(formatBlock(m.block).padStart(blockWidth), { color: 'red' }), sp('  '),
    sp(truncate(m.field, fieldWidth).padEnd(fieldWidth), { bold: true }), sp('  '), dim(oneLine(m.detail)),
  ], w))]
}

function speedupLine(s: ProgressSnapshot, w: number): Line {
  return clipLine([sp('simulated speedup: ', { bold: true }), sp(formatSpeedupTable(s.simulated), { color: s.simulated.length ? 'cyan' : undefined })], w)
}

function lastBlockLine(s: ProgressSnapshot, w: number): Line {
  const b = s.lastBlock
  if (!b) return [label('last block'), dim(UNKNOWN)]
  return clipLine([
    label('last block'), sp(formatBlock(b.number), { bold: true }), SEP, sp(`${formatInt(b.txs)} txs`), SEP,
    sp(formatGas(b.gas)), SEP, sp(`${formatInt(b.ms)} ms`), SEP, VERDICT_STYLE[b.verdict],
  ], w)
}

function summaryLine(s: ProgressSnapshot, summary: string | undefined, width: number): Line {
  const bad = s.phase === 'failed' || s.verdicts.mismatched > 0
  const text = summary !== undefined && summary !== ''
    ? oneLine(summary)
    : `${s.phase}: ${formatInt(s.replay.done)}/${formatInt(s.replay.total)} blocks · ${formatInt(s.verdicts.matched)} matched · ` +
      `${formatInt(s.verdicts.mismatched)} mismatched · ${formatInt(s.verdicts.unchecked)} unchecked · ${formatDuration(s.replay.seconds)}`
  return clipLine([sp(bad ? '✗ ' : '✓ ', { color: bad ? 'red' : 'green', bold: true }), sp(text, { bold: true })], width)
}

export function buildFrame(s: ProgressSnapshot, opts: FrameOptions): Frame {
  const w = Math.max(1, opts.width - CHROME_COLUMNS)
  const message = s.message !== undefined && s.message !== '' ? oneLine(s.message) : undefined
  const mismatchRows = Math.max(0, Math.min(MAX_MISMATCH_ROWS, opts.rows - 1 - FIXED_ROWS - (message ? 1 : 0)))
  const blockWidth = formatBlock(Math.max(s.range.to, s.range.from)).length
  const lines: Line[] = [
    headerLine(s, w), rangeLine(s, w), replayLine(s, w), fetchLine(s, w), speedLine(s, w), rpcLine(s, w),
    workersLine(s, w), stmLine(s, w), verdictLine(s, w),
    [],
    ...mismatchLines(s.mismatches, mismatchRows, blockWidth, w),
    [],
    speedupLine(s, w), lastBlockLine(s, w),
  ]
  if (message) lines.push(clipLine([sp('» ', { dim: true }), sp(message, { color: s.phase === 'failed' ? 'red' : 'yellow' })], w))
  return { lines, summary: opts.final ? summaryLine(s, opts.summary, opts.width) : undefined }
}

// ---------------------------------------------------------------------------------------
// Ink components: paint the frame, nothing else.

function SpanView({ span }: { span: Span }): React.JSX.Element {
  return <Text color={span.color} bold={span.bold} dimColor={span.dim}>{span.text}</Text>
}

function LineView({ line }: { line: Line }): React.JSX.Element {
  // An empty Text renders zero rows; a space keeps blank separator lines.
  if (line.length === 0) return <Text> </Text>
  return <Text wrap="truncate-end">{line.map((s, i) => <SpanView key={i} span={s} />)}</Text>
}

export interface DashboardProps extends FrameOptions {
  snapshot: ProgressSnapshot
}

export function Dashboard(props: DashboardProps): React.JSX.Element {
  const { snapshot, ...opts } = props
  const frame = buildFrame(snapshot, opts)
  return (
    <Box flexDirection="column" width={opts.width}>
      <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1} width={opts.width}>
        {frame.lines.map((l, i) => <LineView key={i} line={l} />)}
      </Box>
      {frame.summary ? <LineView line={frame.summary} /> : null}
    </Box>
  )
}

/** The frame as text, for tests and for eyeballing layout without a terminal. */
export function renderDashboardToString(s: ProgressSnapshot, opts: FrameOptions): string {
  return renderToString(<Dashboard snapshot={s} {...opts} />, { columns: opts.width })
}

// ---------------------------------------------------------------------------------------
// Live renderer.

export interface InkRendererOptions {
  /** Minimum ms between frames; updates in between only replace the pending snapshot. */
  intervalMs?: number
  /** Called for every frame actually drawn (tests, metrics). */
  onDraw?: (s: ProgressSnapshot) => void
}

const SHOW_CURSOR = '\u001B[?25h'
const MAX_WIDTH = 80

export function createInkRenderer(stream: NodeJS.WriteStream, opts: InkRendererOptions = {}): Renderer {
  const intervalMs = opts.intervalMs ?? 100
  let instance: Instance | undefined
  let latest: ProgressSnapshot | undefined
  let lastDrawAt = -Infinity
  let timer: NodeJS.Timeout | undefined
  let closed = false

  // Re-read the terminal size on every frame, so a resize is picked up by the next one.
  const element = (s: ProgressSnapshot, final: boolean, summary?: string): React.JSX.Element => (
    <Dashboard snapshot={s} width={Math.min(stream.columns || MAX_WIDTH, MAX_WIDTH)} rows={stream.rows || 24} final={final} summary={summary} />
  )

  const draw = (final: boolean, summary?: string): void => {
    if (!latest) return
    lastDrawAt = Date.now()
    const el = element(latest, final, summary)
    if (instance) instance.rerender(el)
    else {
      instance = render(el, {
        stdout: stream,
        stderr: stream,
        // The caller owns Ctrl-C and console output: ink must not exit the process on
        // Ctrl-C, and must not reroute console.log (that would move --json off stdout).
        exitOnCtrlC: false,
        patchConsole: false,
        // We already throttle; let ink draw each frame we hand it straight away.
        maxFps: 60,
        // Not incrementalRendering: in ink 6.8 it mis-tracks the cursor and stacks rows of
        // successive frames (the tmux test catches it). Standard mode erases and redraws in
        // one write, wrapped in synchronized-output markers, which terminals paint atomically.
      })
    }
    opts.onDraw?.(latest)
  }

  const close = (): void => {
    if (timer) { clearTimeout(timer); timer = undefined }
    if (closed) return
    closed = true
    // unmount() leaves the last frame on screen and restores the cursor; writing the
    // show-cursor sequence ourselves covers the case where ink never drew anything.
    instance?.unmount()
    if (stream.isTTY) stream.write(SHOW_CURSOR)
  }

  return {
    update(s) {
      if (closed) return
      latest = s
      const wait = lastDrawAt + intervalMs - Date.now()
      if (wait <= 0) { draw(false); return }
      // Trailing frame, so the last update before a pause is not lost. unref: a pending
      // repaint must never keep the process alive.
      timer ??= setTimeout(() => { timer = undefined; if (!closed) draw(false) }, wait).unref()
    },
    finish(s, summary) {
      if (closed) return
      if (timer) { clearTimeout(timer); timer = undefined }
      latest = s
      draw(true, summary)
      close()
    },
    unmount: close,
  }
}
