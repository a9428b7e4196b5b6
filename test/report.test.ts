/**
 * `parevm report` from real replays: mainnet fixtures (no witness: stateRoot unchecked) and
 * recorded RPC blocks (stateRoot checked). The JSON is the stored results; the Markdown holds
 * the table; the HTML is self-contained and renders in headless chromium without page errors
 * (screenshot kept). A synthetic Block-STM run exercises the speedup columns and chart.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Store, type ResultRecord } from '../storage/store.js'
import { renderHtml, reportFromRecords, type ReportModel } from '../core/report/index.js'
import { parevm as runBin, tempDb, type CliResult } from './support/cli.js'
import { needShared, sharedPath } from './support/shared.js'

/** PAREVM_TEST_BIN lets the test drive another entry point (before a command is wired in). */
function parevm(args: string[]): CliResult {
  const bin = process.env.PAREVM_TEST_BIN
  if (!bin) return runBin(args)
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' }, maxBuffer: 64 << 20 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const CHROMIUM = '/usr/bin/chromium'
const MAINNET_BLOCKS = [46147, 1150000, 4370000, 19426587]
const RPC_BLOCKS = [1, 2463000, 2675001]

function replayed(dir: string, files: string[]): { db: string; replay: { run: number; blocks: Array<Record<string, unknown>>; summary: Record<string, number> } } {
  const db = tempDb()
  const imp = parevm(['import', ...files.map((f) => sharedPath(dir, f)), '--db', db])
  assert.equal(imp.code, 0, imp.stderr)
  const r = parevm(['replay', '--db', db, '--mode', 'sequential', '--json'])
  assert.equal(r.code, 0, r.stderr)
  return { db, replay: JSON.parse(r.stdout) }
}

function storedResults(db: string, run: number): ResultRecord[] {
  const store = Store.open(db, { mustExist: true })
  try {
    return store.results(run)
  } finally {
    store.close()
  }
}

/** Width and height from the PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file)
  assert.ok(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is not a PNG`)
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) }
}

/** Opens the file in headless chromium, screenshots it, and returns chromium's console lines. */
function screenshot(html: string): { png: string; console: string[] } {
  const png = html.replace(/\.html$/, '.png')
  const r = spawnSync(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'parevm-chromium-'))}`,
    '--enable-logging=stderr', '--v=0', `--screenshot=${png}`, '--window-size=1200,1600', pathToFileURL(html).href,
  ], { encoding: 'utf8', timeout: 45_000 })
  assert.equal(r.status, 0, `chromium failed: ${r.stderr}`)
  // The page has no script: any console line at all (an "Uncaught …" included) is a page error.
  const consoleLines = r.stderr.split('\n').filter((l) => /:CONSOLE|Uncaught/.test(l))
  return { png, console: consoleLines }
}

/** Self-contained: nothing to fetch, nothing to run. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /<script/i)
  assert.doesNotMatch(html, /<link\b/i)
  assert.doesNotMatch(html, /\bsrc=/i)
  assert.doesNotMatch(html, /url\(/i)
  const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? []
  assert.deepEqual(urls.filter((u) => u !== 'http://www.w3.org/2000/svg'), [])
}

test('report from a real mainnet replay: json = stored results, md table, html in chromium', needShared('mainnet'), async (t) => {
  const { db, replay } = replayed('mainnet', MAINNET_BLOCKS.map((n) => `${n}.json.gz`))
  const runId = replay.run
  const j = parevm(['report', '--db', db, '--format', 'json'])
  assert.equal(j.code, 0, j.stderr)
  const model = JSON.parse(j.stdout) as ReportModel
  assert.equal(model.run.id, runId, 'the latest run by default')
  assert.equal(model.run.mode, 'sequential')
  assert.equal(model.parallelStats, false)
  const stored = storedResults(db, runId)
  assert.deepEqual(model.blocks.map((b) => b.number), MAINNET_BLOCKS)
  for (const [i, b] of model.blocks.entries()) {
    const s = stored[i]!
    assert.deepEqual(
      { number: b.number, hash: b.hash, txs: b.txs, gasUsed: b.gasUsed, checks: b.checks, unchecked: b.unchecked, mismatches: b.mismatches, digest: b.digest, seconds: b.seconds },
      { number: s.block, hash: s.hash, txs: s.txCount, gasUsed: s.gasUsed, checks: s.checks, unchecked: s.unchecked, mismatches: s.mismatches, digest: s.digest, seconds: s.seconds },
    )
    assert.equal(b.digest, replay.blocks[i]!.digest)
    assert.equal(b.aborts, undefined, 'no Block-STM columns for a sequential run')
  }
  assert.equal(model.summary.blocks, replay.summary.blocks)
  assert.equal(model.summary.matched, replay.summary.matched)
  assert.equal(model.summary.mismatched, 0)
  assert.equal(model.summary.gas, replay.summary.gas)
  assert.equal(model.summary.mgasPerSecond, replay.summary.mgasPerSecond)
  assert.equal(model.summary.unchecked, MAINNET_BLOCKS.length, 'no witness: every block has stateRoot unchecked')
  const stateRoot = model.unchecked.find((g) => g.field === 'stateRoot')!
  assert.deepEqual(stateRoot.blocks, MAINNET_BLOCKS)
  assert.equal(model.mismatches.length, 0)
  assert.deepEqual(JSON.parse(parevm(['report', '--db', db, '--run', String(runId), '--json']).stdout), model, '--run and --json agree')

  const md = parevm(['report', '--db', db, '--format', 'md'])
  assert.equal(md.code, 0, md.stderr)
  assert.match(md.stdout, /^\| Block \| Txs \| Gas \| blockHash \| transactionsRoot \| receiptsRoot \|.*\| stateRoot \| Time \(ms\) \| Mgas\/s \|$/m)
  for (const b of model.blocks) assert.match(md.stdout, new RegExp(`^\\| ${b.number} \\| ${b.txs} \\| `, 'm'))
  assert.match(md.stdout, /\| stateRoot \| no witness \| 4 \|/)
  assert.doesNotMatch(md.stdout, /Speedup|Aborts/)

  const html = join(mkdtempSync(join(tmpdir(), 'parevm-report-')), 'report.html')
  const h = parevm(['report', '--db', db, '--format', 'html', '--out', html])
  assert.equal(h.code, 0, h.stderr)
  assert.equal(h.stdout, '', 'with --out nothing goes to stdout')
  const text = readFileSync(html, 'utf8')
  assertSelfContained(text)
  assert.match(text, /id="chart-mgas"/)
  assert.match(text, /id="chart-time"/, 'no parallel stats: time chart instead of speedup')
  assert.doesNotMatch(text, /id="chart-speedup"/)
  await t.test('renders in headless chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} absent: apt-get install chromium` }, () => {
    const shot = screenshot(html)
    assert.deepEqual(shot.console, [], 'page errors in chromium')
    assert.deepEqual(pngSize(shot.png), { width: 1200, height: 1600 })
    assert.ok(statSync(shot.png).size > 20_000, 'screenshot is not blank')
    t.diagnostic(`screenshot: ${shot.png}`)
  })
})

test('report of recorded RPC blocks: stateRoot checked and matched', needShared('mainnet-rpc'), () => {
  const { db, replay } = replayed('mainnet-rpc', RPC_BLOCKS.map((n) => `${n}.json.gz`))
  const j = parevm(['report', '--db', db, '--json'])
  assert.equal(j.code, 0, j.stderr)
  const model = JSON.parse(j.stdout) as ReportModel
  assert.equal(model.run.id, replay.run)
  assert.deepEqual(model.blocks.map((b) => b.number), RPC_BLOCKS)
  for (const b of model.blocks) {
    assert.equal(b.checks.stateRoot, 'match', `block ${b.number} stateRoot`)
    assert.equal(b.verdict, 'match')
  }
  assert.deepEqual(model.summary.byCheck.stateRoot, { match: RPC_BLOCKS.length, mismatch: 0, unchecked: 0 })
  assert.deepEqual(model.unchecked, [])
  assert.equal(model.summary.unchecked, 0)
  const md = parevm(['report', '--db', db])
  assert.equal(md.code, 0)
  assert.match(md.stdout, /Every field of every block was checked\./)
  assert.match(md.stdout, /^\| stateRoot \| 3 \| 0 \| 0 \|$/m)
})

test('report: bad input exits 2 with one line', () => {
  const db = tempDb()
  const store = Store.open(db)
  store.ensureChain({ chainId: 1, profile: { kind: 'mainnet' } })
  store.close()
  const none = parevm(['report', '--db', db])
  assert.equal(none.code, 2)
  assert.match(none.stderr, /no runs/)
  assert.equal(none.stderr.trim().split('\n').length, 1)
  syntheticRun(db)
  for (const [args, why] of [
    [['--run', '99'], /run 99 not found/],
    [['--run', 'abc'], /--run/],
    [['--format', 'pdf'], /--format: "pdf" is not one of json, md, html/],
    [['--json', '--format', 'md'], /conflicts/],
  ] as Array<[string[], RegExp]>) {
    const r = parevm(['report', '--db', db, ...args])
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, why)
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}`)
    assert.equal(r.stdout, '')
  }
  const missing = parevm(['report', '--db', join(dirname(db), 'nope.db')])
  assert.equal(missing.code, 2)
  assert.equal(existsSync(join(dirname(db), 'nope.db')), false)
})

/** A parallel run as the Block-STM executor records it, with one mismatch. */
function syntheticRun(db: string): number {
  const store = Store.open(db)
  try {
    store.ensureChain({ chainId: 1, profile: { kind: 'mainnet' } })
    const run = store.createRun('parallel', 8, 100, 104)
    for (let i = 0; i < 5; i++) {
      const number = 100 + i
      const mismatch = i === 3
      store.putResult(run, {
        block: number, hash: '0x' + number.toString(16).padStart(64, '0'), txCount: 40 + i, gasUsed: 12_000_000 + i * 1_000_000,
        checks: { blockHash: 'match', receiptsRoot: mismatch ? 'mismatch' : 'match', stateRoot: i === 0 ? 'unchecked' : 'match' },
        unchecked: i === 0 ? { stateRoot: 'no witness' } : {},
        mismatches: mismatch ? [{ field: 'storage', tx: 7, account: '0x' + 'ab'.repeat(20), slot: '0x' + '01'.padStart(64, '0'), expected: '0x01', actual: '0x02' }] : [],
        digest: '0x' + 'cd'.repeat(32), seconds: 0.05 + i * 0.01,
        stats: {
          mode: 'block-stm', workers: 8, executions: 45 + i, aborts: i, reexecutions: i + 1, validationFailures: 0,
          criticalPathBound: 3 + i, speedup: 2 + i * 0.5, speedupBound: 3, seconds: { load: 0.001, recover: 0.002, execute: 0.04, verify: 0.005, total: 0.05 + i * 0.01 },
        },
      })
    }
    store.finishRun(run, 'done', { blocks: 5, matched: 4, mismatched: 1, gas: 70_000_000, seconds: 0.3, mgasPerSecond: 233.33 })
    return run
  } finally {
    store.close()
  }
}

test('report of a Block-STM run: speedup, aborts, bound, mismatch details; exit 1', async (t) => {
  const db = tempDb()
  const run = syntheticRun(db)
  const md = parevm(['report', '--db', db, '--run', String(run)])
  assert.equal(md.code, 1, 'the reported run has a mismatch: exit 1 as the contract says')
  assert.match(md.stdout, /\| Time \(ms\) \| Mgas\/s \| Speedup \| Aborts \| CP bound \|$/m)
  assert.match(md.stdout, /^\| 103 \| 43 \| 15,000,000 \| ✓ \| ✗ \| ✓ \| 80\.0 \| 187\.50 \| 3\.50× \| 3 \| 6\.00× \|$/m)
  assert.match(md.stdout, /^\| 103 \| storage \| 7 \| `0x(ab){20}` \| `0x0{63}1` \| `0x01` \| `0x02` \|$/m)
  assert.match(md.stdout, /\| Aborts \| 10 \|/)
  const j = JSON.parse(parevm(['report', '--db', db, '--json']).stdout) as ReportModel
  assert.equal(j.parallelStats, true)
  assert.deepEqual(j.blocks.map((b) => b.speedup), [2, 2.5, 3, 3.5, 4])
  assert.deepEqual(j.blocks.map((b) => b.criticalPathBound), [3, 4, 5, 6, 7])
  assert.equal(j.summary.reexecutions, 15)
  assert.equal(j.summary.mismatched, 1)
  assert.equal(j.summary.unchecked, 1)

  const html = join(mkdtempSync(join(tmpdir(), 'parevm-report-')), 'block-stm.html')
  assert.equal(parevm(['report', '--db', db, '--format', 'html', '--out', html]).code, 1)
  const text = readFileSync(html, 'utf8')
  assertSelfContained(text)
  assert.match(text, /id="chart-speedup"/)
  assert.match(text, /id="chart-mgas"/)
  assert.doesNotMatch(text, /id="chart-time"/)
  await t.test('renders in headless chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} absent: apt-get install chromium` }, () => {
    const shot = screenshot(html)
    assert.deepEqual(shot.console, [])
    assert.ok(statSync(shot.png).size > 20_000)
    t.diagnostic(`screenshot: ${shot.png}`)
  })
})

test('html degrades when only the critical-path bound is known, and escapes what it shows', () => {
  const model = reportFromRecords(
    { id: 7, startedAt: 's', finishedAt: null, mode: 'parallel', workers: 2, fromBlock: null, toBlock: null, status: 'failed', summary: { error: '<boom>' } },
    [{
      block: 1, hash: '0x1', txCount: 1, gasUsed: 21000, checks: { gasUsed: 'mismatch' }, unchecked: {},
      mismatches: [{ field: 'gasUsed', expected: '<b>', actual: '"x"' }], digest: '0x', seconds: 0.01,
      stats: { mode: 'block-stm', aborts: 0, criticalPathBound: 1 },
    }],
  )
  assert.equal(model.columns.speedup, false)
  assert.equal(model.columns.criticalPathBound, true)
  assert.equal(model.summary.secondsSource, 'blocks')
  const html = renderHtml(model)
  assert.match(html, /critical-path bound alone/)
  assert.match(html, /Run failed: &lt;boom&gt;/)
  assert.match(html, /&lt;b&gt;/)
  assert.doesNotMatch(html, /<b>"x"|<boom>/)
})
