/**
 * Terminal UI of long replay jobs: format helpers, the TUI decision, the plain-line
 * renderer, the dashboard layout (80×24 budget), and a real pseudo-terminal run in tmux.
 */
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Writable } from 'node:stream'
import { emptySnapshot, type ProgressSnapshot } from '../core/pipeline/progress.js'
import {
  bar, formatCompact, formatDuration, formatInt, formatPercent, formatRate, formatSpeedupTable, truncate, visibleWidth,
} from '../cli/ui/format.js'
import { createPlainRenderer, plainMismatchLine } from '../cli/ui/plain.js'
import { shouldUseTui } from '../cli/ui/renderer.js'
import { buildFrame, createInkRenderer, lineWidth, renderDashboardToString } from '../cli/ui/dashboard.js'
import { demoSnapshot, demoSummary } from '../cli/ui/demo-feed.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const stripAnsi = (s: string): string => s.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '')

describe('format helpers', () => {
  test('durations', () => {
    assert.equal(formatDuration(null), '—')
    assert.equal(formatDuration(Number.NaN), '—')
    assert.equal(formatDuration(-1), '—')
    assert.equal(formatDuration(0), '0s')
    assert.equal(formatDuration(59.4), '59s')
    assert.equal(formatDuration(65), '1m05s')
    assert.equal(formatDuration(3720), '1h02m')
    assert.equal(formatDuration(2 * 86400 + 3 * 3600 + 59), '2d03h')
  })

  test('counts and rates', () => {
    assert.equal(formatInt(1234567), '1,234,567')
    assert.equal(formatInt(0), '0')
    assert.equal(formatInt(-1234), '-1,234')
    assert.equal(formatCompact(950), '950')
    assert.equal(formatCompact(12_345), '12.3k')
    assert.equal(formatCompact(123_456), '123k')
    assert.equal(formatCompact(4_560_000), '4.56M')
    assert.equal(formatRate(0), '0.0')
    assert.equal(formatRate(0.42), '0.42')
    assert.equal(formatRate(7.5), '7.5')
    assert.equal(formatRate(45.61), '45.6')
    assert.equal(formatRate(312.4), '312')
    assert.equal(formatRate(12_345), '12.3k')
    assert.equal(formatRate(Number.NaN), '—')
    assert.equal(formatRate(-1), '—')
  })

  test('percent never claims 100% early', () => {
    assert.equal(formatPercent(342, 1001), '34.1%')
    assert.equal(formatPercent(9999, 10000), '99.9%')
    assert.equal(formatPercent(1000, 1000), '100.0%')
    assert.equal(formatPercent(5, 0), '0.0%')
    assert.equal(formatPercent(2000, 1000), '100.0%')
  })

  test('bars are exactly as wide as asked', () => {
    assert.equal(bar(0, 10), '░'.repeat(10))
    assert.equal(bar(1, 10), '█'.repeat(10))
    assert.equal(bar(0.5, 10), '█'.repeat(5) + '░'.repeat(5))
    assert.equal(bar(0.05, 10), '▌' + '░'.repeat(9))
    for (let i = 0; i <= 100; i++) {
      for (const w of [1, 7, 16, 45]) assert.equal(visibleWidth(bar(i / 100, w)), w, `f=${i / 100} w=${w}`)
    }
    assert.equal(visibleWidth(bar(Number.NaN, 5)), 5)
  })

  test('speedup table and truncation', () => {
    assert.equal(formatSpeedupTable([{ workers: 32, speedup: 3.62 }, { workers: 2, speedup: 1.8 }, { workers: 8, speedup: 3.14 }]), '2w 1.8× · 8w 3.1× · 32w 3.6×')
    assert.equal(formatSpeedupTable([]), '—')
    assert.equal(truncate('abcdef', 4), 'abc…')
    assert.equal(truncate('abc', 4), 'abc')
    assert.equal(truncate('abc', 0), '')
  })
})

describe('shouldUseTui', () => {
  test('truth table: only an interactive stderr, without --no-tui and outside CI', () => {
    for (const noTui of [false, true]) {
      for (const isTTY of [false, true, undefined]) {
        for (const ci of [undefined, 'true', '1']) {
          const env = ci === undefined ? {} : { CI: ci }
          const expected = !noTui && isTTY === true && ci === undefined
          assert.equal(shouldUseTui({ noTui, isTTY, env }), expected, JSON.stringify({ noTui, isTTY, ci }))
        }
      }
    }
  })

  test('CI=0/false do not count; CONTINUOUS_INTEGRATION and TERM=dumb do', () => {
    assert.equal(shouldUseTui({ isTTY: true, env: { CI: '0' } }), true)
    assert.equal(shouldUseTui({ isTTY: true, env: { CI: 'false' } }), true)
    assert.equal(shouldUseTui({ isTTY: true, env: { CONTINUOUS_INTEGRATION: '1' } }), false)
    assert.equal(shouldUseTui({ isTTY: true, env: { TERM: 'dumb' } }), false)
  })
})

/** A plain renderer on a fake clock, capturing lines. */
function plainHarness(o: { everyBlocks?: number; everyMs?: number } = {}) {
  let clock = 0
  const lines: string[] = []
  const r = createPlainRenderer({
    stream: { write: (c: string) => { lines.push(...c.split('\n').filter(Boolean)) } },
    now: () => clock, ...o,
  })
  return { r, lines, advance: (ms: number) => { clock += ms }, kind: (k: string) => lines.filter(l => l.startsWith(k + ' ')) }
}

function replaying(done: number): ProgressSnapshot {
  const s = emptySnapshot('job', 100, 1099, 4)
  s.phase = 'replaying'
  s.replay.done = done
  s.verdicts.matched = done
  return s
}

describe('plain renderer', () => {
  test('time throttle: one line per ~2 s, not per update', () => {
    const h = plainHarness({ everyBlocks: 1e9, everyMs: 2000 })
    for (let i = 0; i < 50; i++) { h.r.update(replaying(i)); h.advance(100) } // 50 updates over 5 s
    assert.equal(h.kind('start').length, 1)
    assert.deepEqual(h.kind('progress').map(l => /replayed=(\d+)/.exec(l)![1]), ['0', '20', '40'])
  })

  test('block throttle: one line per N blocks', () => {
    const h = plainHarness({ everyBlocks: 100, everyMs: 1e9 })
    for (let done = 0; done < 500; done += 10) h.r.update(replaying(done))
    assert.deepEqual(h.kind('progress').map(l => /replayed=(\d+)/.exec(l)![1]), ['0', '100', '200', '300', '400'])
  })

  test('a stalled job does not repeat itself; a phase change is reported at once', () => {
    const h = plainHarness({ everyBlocks: 100, everyMs: 2000 })
    const s = replaying(5)
    for (let i = 0; i < 30; i++) { h.r.update(s); h.advance(1000) }
    assert.equal(h.kind('progress').length, 1)
    s.phase = 'stopping'
    h.r.update(s)
    assert.equal(h.kind('progress').length, 2)
    assert.match(h.kind('progress')[1]!, /^progress phase=stopping replayed=5\/1000 pct=0\.5 /)
  })

  test('every mismatch gets its own line as it appears, even when the array is mutated in place', () => {
    const h = plainHarness()
    const s = replaying(10)
    h.r.update(s)
    s.mismatches.push({ block: 105, field: 'stateRoot', detail: 'expected 0xaa\n got 0xbb' })
    h.r.update(s)
    h.r.update(s)
    s.mismatches.push({ block: 107, field: 'receipt[2].logs', detail: 'count 3 vs 4' }, { block: 109, field: 'gasUsed', detail: '+21' })
    h.r.update(s)
    assert.deepEqual(h.kind('mismatch'), [
      'mismatch block=105 field=stateRoot detail="expected 0xaa got 0xbb"',
      'mismatch block=107 field=receipt[2].logs detail="count 3 vs 4"',
      'mismatch block=109 field=gasUsed detail=+21',
    ])
    assert.equal(plainMismatchLine({ block: 1, field: 'a', detail: 'b' }), 'mismatch block=1 field=a detail=b')
  })

  test('finish: flushes, prints one summary line, then stays quiet', () => {
    const h = plainHarness()
    const s = replaying(1000)
    h.r.update(replaying(1))
    s.phase = 'done'
    s.message = 'all blocks verified'
    s.verdicts = { matched: 997, mismatched: 1, unchecked: 2 }
    s.mismatches.push({ block: 600, field: 'logsBloom', detail: 'bit 9' })
    s.simulated = [{ workers: 8, speedup: 3.14 }, { workers: 2, speedup: 1.8 }]
    h.r.finish(s, 'run 7: 1000 blocks')
    h.r.finish(s, 'again')
    h.r.update(s)
    const last = h.lines.at(-1)!
    assert.equal(h.kind('summary').length, 1)
    assert.match(last, /^summary phase=done range=100-1099 replayed=1000\/1000 matched=997 mismatched=1 unchecked=2 /)
    assert.match(last, / speedup=2w:1\.8x,8w:3\.1x note="run 7: 1000 blocks"$/)
    assert.equal(h.kind('mismatch').length, 1)
    assert.deepEqual(h.kind('note'), ['note message="all blocks verified"'])
    assert.ok(h.lines.every(l => !l.includes('\u001B')), 'no escape codes in plain output')
  })
})

/** A worst case for the layout: huge numbers, long names, many mismatches, a message. */
function stressSnapshot(): ProgressSnapshot {
  const s = demoSnapshot(0.73, 2_000_000)
  s.title = 'parevm replay · mainnet archive verification with an unreasonably long title that must be cut'
  s.range = { from: 19_999_000, to: 21_998_999 }
  s.fetch = { ...s.fetch, queued: 123_456, inFlight: 4096, requests: 987_654_321, retries: 1_234_567, errors: 98_765 }
  s.workers = { total: 256, busy: 255 }
  s.blockStm = { executions: 9_876_543_210, aborts: 123_456_789, reexecutions: 234_567_890, validationFailures: 34_567_890 }
  s.verdicts = { matched: 1_999_000, mismatched: 123_456, unchecked: 987_654 }
  s.mismatches = Array.from({ length: 120 }, (_, i) => ({
    block: 21_000_000 + i, field: `receipts[${i}].logs[17].topics[3]`, detail: `expected 0x${'ab'.repeat(32)} got 0x${'cd'.repeat(32)}`,
  }))
  s.message = 'retrying eth_getBlockReceipts against https://archive.example.org:8545 after 3 consecutive 429 responses'
  return s
}

describe('dashboard layout', () => {
  const cases: Array<[string, ProgressSnapshot]> = [
    ...[0, 0.01, 0.1, 0.3, 0.55, 0.8, 0.99, 1].map((t): [string, ProgressSnapshot] => [`demo t=${t}`, demoSnapshot(t)]),
    ['stress', stressSnapshot()],
    ['empty', emptySnapshot('fresh', 0, 0, 1)],
  ]
  for (const [name, s] of cases) {
    test(`fits 80×24 without wrapping: ${name}`, () => {
      const out = renderDashboardToString(s, { width: 80, rows: 24, final: true, summary: demoSummary(s) })
      const lines = stripAnsi(out).split('\n')
      // Height must stay below the terminal's: at 24 rows ink would switch to clear-and-repaint.
      assert.ok(lines.length <= 23, `${lines.length} lines`)
      for (const l of lines) assert.ok(visibleWidth(l) <= 80, `too wide (${visibleWidth(l)}): ${l}`)
      // Inside the box every row is exactly 80 wide: nothing wrapped onto a second row.
      for (const l of lines.slice(1, lines.findIndex(x => x.startsWith('╰')))) {
        assert.equal(visibleWidth(l), 80, l)
        assert.ok(l.startsWith('│') && l.endsWith('│'), l)
      }
    })
  }

  test('narrow terminal: 60 columns, 20 rows', () => {
    const s = stressSnapshot()
    const lines = stripAnsi(renderDashboardToString(s, { width: 60, rows: 20, final: true })).split('\n')
    assert.ok(lines.length <= 19, `${lines.length} lines`)
    for (const l of lines) assert.ok(visibleWidth(l) <= 60, l)
  })

  test('content: verdicts, newest mismatches with "+N more", speedup, last block', () => {
    const s = demoSnapshot(1)
    const frame = buildFrame(s, { width: 80, rows: 24 })
    for (const l of frame.lines) assert.ok(lineWidth(l) <= 76)
    const text = stripAnsi(renderDashboardToString(s, { width: 80, rows: 24, final: true, summary: 'the end' }))
    assert.match(text, /✓ 983 matched · ✗ 7 mismatched · \? 10 unchecked/)
    assert.match(text, /mismatches 7 +\+2 more/)
    assert.match(text, /#18,000,900 +storage /) // newest is shown
    assert.doesNotMatch(text, /#18,000,120/) // oldest scrolled into "+2 more"
    assert.match(text, /simulated speedup: 2w 1\.8× · 8w 3\.1× · 32w 3\.6×/)
    assert.match(text, /last block #18,000,999 · \d+ txs/)
    assert.match(text, /\n✗ the end$/)
  })
})

describe('ink renderer', () => {
  // ink's restore-cursor also writes ESC[?25h to process.stderr at exit (its own safety net);
  // node:test shows that as a stray "# [?25h" line, which is expected.
  test('throttles frames, finishes with a final frame and shows the cursor again', () => {
    let written = ''
    const stream = Object.assign(new Writable({ write(chunk, _enc, cb) { written += String(chunk); cb() } }), {
      isTTY: true, columns: 80, rows: 24,
    }) as unknown as NodeJS.WriteStream
    const drawn: number[] = []
    const r = createInkRenderer(stream, { intervalMs: 10_000, onDraw: s => { drawn.push(s.replay.done) } })
    for (let i = 0; i < 200; i++) r.update(replaying(i))
    assert.deepEqual(drawn, [0], 'only the first of 200 rapid updates is drawn')
    const last = replaying(1000)
    last.phase = 'done'
    r.finish(last, 'finished: 1000 blocks')
    r.finish(last, 'twice')
    r.update(replaying(5))
    assert.deepEqual(drawn, [0, 1000])
    const text = stripAnsi(written)
    assert.match(text, /✓ finished: 1000 blocks/)
    assert.doesNotMatch(text, /twice/)
    assert.ok(written.endsWith('\u001B[?25h'), 'cursor shown at the end')
  })
})

describe('pseudo-terminal (tmux)', () => {
  let hasTmux = false
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); hasTmux = true } catch { /* reported as a skip below */ }
  const socket = `parevm-ui-test-${process.pid}`
  const dir = mkdtempSync(join(tmpdir(), 'parevm-ui-'))
  // Own server socket (-L), and no $TMUX: independent of any tmux the tests run inside.
  const env = { ...process.env, TMUX: undefined }
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env })

  after(() => {
    if (hasTmux) { try { tmux('kill-server') } catch { /* already gone */ } }
    rmSync(dir, { recursive: true, force: true })
  })

  test('dashboard in a real 80×24 terminal', { skip: hasTmux ? false : 'tmux not installed: screen test skipped (apt-get install -y tmux)', timeout: 20_000 }, async t => {
    // No status bar: the pane must be the full 80×24.
    const conf = join(dir, 'tmux.conf')
    writeFileSync(conf, 'set -g status off\nset -g history-limit 1000\n')
    const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
    // CI unset: ink itself would stop repainting in place. `sleep` keeps the pane (and the
    // final frame) alive for capture; after() kills the server.
    const cmd = `env -u CI -u CONTINUOUS_INTEGRATION ${q(process.execPath)} dist/cli/ui/demo-feed.js --duration=2500; sleep 60`
    tmux('-f', conf, '-u', 'new-session', '-d', '-s', 'ui', '-x', '80', '-y', '24', '-c', ROOT, cmd)
    assert.equal(tmux('display', '-p', '-t', 'ui', '#{pane_width}x#{pane_height}').trim(), '80x24')

    let screen = ''
    let live = ''
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 150))
      screen = tmux('capture-pane', '-p', '-t', 'ui')
      if (screen.includes('● replaying')) live = screen
      if (screen.includes('demo run:')) break
    }
    // One diagnostic per row: reporters escape newlines inside a single diagnostic.
    const show = (title: string, s: string): void => { t.diagnostic(title); for (const l of s.replace(/\n+$/, '').split('\n')) t.diagnostic(l) }
    if (live) show('screen capture, live frame (80×24):', live)
    show('screen capture, final frame (80×24):', screen)
    const [history, cursor] = tmux('display', '-p', '-t', 'ui', '#{history_size} #{cursor_flag}').trim().split(' ')

    assert.ok(screen.includes('demo run:'), 'final summary line present')
    assert.ok(live !== '', 'a live frame was seen before the final one')
    const lines = screen.replace(/\n+$/, '').split('\n')
    for (const l of lines) assert.ok(visibleWidth(l) <= 80, `wider than 80: ${l}`)
    // One frame, drawn in place: a single box, every row intact, nothing scrolled away.
    assert.equal(lines.filter(l => l.startsWith('╭')).length, 1, 'exactly one frame on screen')
    const top = lines.findIndex(l => l.startsWith('╭'))
    const bottom = lines.findIndex(l => l.startsWith('╰'))
    assert.ok(top >= 0 && bottom > top)
    for (const l of lines.slice(top + 1, bottom)) assert.ok(l.startsWith('│') && l.endsWith('│') && visibleWidth(l) === 80, `broken row: ${l}`)
    assert.equal(history, '0', 'nothing scrolled off the screen')
    assert.equal(cursor, '1', 'cursor visible after finish')

    assert.match(screen, /range +#18,000,000 → #18,000,999/)
    assert.match(screen, /replay +█+ 100\.0% +1,000\/1,000/)
    assert.match(screen, /✓ 983 matched · ✗ 7 mismatched · \? 10 unchecked/)
    assert.match(screen, /mismatches 7 +\+2 more/)
    assert.match(screen, /#18,000,900 +storage +0xdac17f/)
    assert.match(screen, /simulated speedup: 2w 1\.8× · 8w 3\.1× · 32w 3\.6×/)
    assert.match(screen, /last block #18,000,999/)
    assert.match(lines[bottom + 1] ?? '', /^✗ demo run: 1000 blocks · 983 matched · 7 mismatched · 10 unchecked/)
  })
})
