/**
 * `parevm snapshot export/import` with real blocks (recorded RPC blocks with witnesses, so
 * stateRoot is checked, and mainnet fixtures): a round trip replays to the same digests; a
 * tampered, truncated or foreign-chain bundle is refused with exit 2, naming the entry, and
 * leaves the database exactly as it was; importing twice stores once.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../storage/store.js'
import { readRecords } from '../snapshots/bundle/index.js'
import { parevm as runBin, tempDb, type CliResult } from './support/cli.js'
import { needShared, sharedPath } from './support/shared.js'

/** PAREVM_TEST_BIN lets the test drive another entry point (before a command is wired in). */
function parevm(args: string[]): CliResult {
  const bin = process.env.PAREVM_TEST_BIN
  if (!bin) return runBin(args)
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' }, maxBuffer: 64 << 20 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const FILES = [['mainnet-rpc', '1.json.gz'], ['mainnet-rpc', '2463000.json.gz'], ['mainnet-rpc', '2675001.json.gz'], ['mainnet', '46147.json.gz'], ['mainnet', '116525.json.gz']]
const NUMBERS = [1, 46147, 116525, 2463000, 2675001]
const WITNESSED = new Set([1, 2463000, 2675001])
const skip = needShared('mainnet-rpc').skip || needShared('mainnet').skip

interface ReplayJson {
  run: number
  blocks: Array<{ number: number; digest: string; checks: Record<string, string> }>
}

function replay(db: string): ReplayJson {
  const r = parevm(['replay', '--db', db, '--mode', 'sequential', '--json'])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as ReplayJson
}

/** Every row of every table, hashed: "unchanged" means byte for byte. */
function fingerprint(db: string): string {
  if (!existsSync(db)) return 'absent'
  const store = Store.open(db, { mustExist: true })
  try {
    const h = createHash('sha256')
    const tables = store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>
    for (const { name } of tables) {
      const rows = store.db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>
      const lines = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
        ? Buffer.from((v as { data: number[] }).data).toString('hex') : v))).sort()
      h.update(`${name}\n${lines.join('\n')}\n`)
    }
    return h.digest('hex')
  } finally {
    store.close()
  }
}

function entryOffset(bundle: string, name: string): { offset: number; size: number } {
  for (const e of readRecords(bundle)) if (e.name === name) return { offset: e.offset, size: e.data.length }
  throw new Error(`no entry ${name} in ${bundle}`)
}

function withFlippedByte(bundle: string, at: number): string {
  const bytes = readFileSync(bundle)
  bytes[at] = bytes[at]! ^ 0x01
  const out = bundle.replace(/\.pvb$/, `-tampered-${at}.pvb`)
  writeFileSync(out, bytes)
  return out
}

/** One source database, replayed once, shared by the tests below. */
let source: { db: string; bundle: string; replay: ReplayJson } | undefined
function exported(): { db: string; bundle: string; replay: ReplayJson } {
  if (source) return source
  const db = tempDb()
  const imp = parevm(['import', ...FILES.map(([dir, f]) => sharedPath(dir!, f!)), '--db', db])
  assert.equal(imp.code, 0, imp.stderr)
  const rep = replay(db)
  const bundle = join(mkdtempSync(join(tmpdir(), 'parevm-bundle-')), 'range.pvb')
  const ex = parevm(['snapshot', 'export', '--db', db, '--from', '0', '--to', '3000000', '--results', '--out', bundle, '--json'])
  assert.equal(ex.code, 0, ex.stderr)
  const summary = JSON.parse(ex.stdout)
  assert.equal(summary.blocks, NUMBERS.length)
  assert.equal(summary.runs, 1)
  assert.equal(summary.results, NUMBERS.length)
  return (source = { db, bundle, replay: rep })
}

test('export → import into a fresh database → same replay digests, same stored rows', { skip }, () => {
  const { db, bundle, replay: original } = exported()
  for (const b of original.blocks) {
    if (WITNESSED.has(b.number)) assert.equal(b.checks.stateRoot, 'match', `block ${b.number}: stateRoot is checked`)
  }
  const names = [...readRecords(bundle)].map((e) => e.name)
  assert.equal(names[0], 'bundle.json')
  assert.deepEqual(names.slice(-3), ['manifest/0.json', 'manifest.json', 'end'])
  for (const n of NUMBERS) assert.ok(names.includes(`block/${n}/prestate.json.gz`), `block ${n} in the bundle`)
  for (const n of WITNESSED) assert.ok(names.includes(`block/${n}/witness.json.gz`), `block ${n}'s witness in the bundle`)

  const fresh = tempDb()
  const imp = parevm(['snapshot', 'import', bundle, '--db', fresh, '--json'])
  assert.equal(imp.code, 0, imp.stderr)
  const got = JSON.parse(imp.stdout)
  assert.deepEqual(got.blocks, { stored: NUMBERS.length, already: 0 })
  assert.deepEqual(got.runs, { stored: 1, already: 0 })
  assert.equal(got.results, NUMBERS.length)

  // The imported results are the original's, row for row.
  const a = Store.open(db, { mustExist: true })
  const b = Store.open(fresh, { mustExist: true })
  try {
    assert.deepEqual(b.chain(), a.chain())
    const importedRun = b.run()!
    assert.equal(importedRun.startedAt, a.run(original.run)!.startedAt)
    assert.deepEqual(b.results(importedRun.id), a.results(original.run))
    for (const n of NUMBERS) assert.deepEqual(b.rawBlock(n), a.rawBlock(n), `block ${n}: stored inputs identical`)
  } finally {
    a.close()
    b.close()
  }
  const again = replay(fresh)
  assert.deepEqual(again.blocks.map((x) => [x.number, x.digest, x.checks]), original.blocks.map((x) => [x.number, x.digest, x.checks]))
})

test('importing the same bundle twice stores it once', { skip }, () => {
  const { bundle } = exported()
  const db = tempDb()
  assert.equal(parevm(['snapshot', 'import', bundle, '--db', db]).code, 0)
  const before = fingerprint(db)
  const second = parevm(['snapshot', 'import', bundle, '--db', db, '--json'])
  assert.equal(second.code, 0, second.stderr)
  const s = JSON.parse(second.stdout)
  assert.deepEqual(s.blocks, { stored: 0, already: NUMBERS.length })
  assert.deepEqual(s.runs, { stored: 0, already: 1 })
  assert.equal(s.results + s.codes + s.hashes, 0)
  assert.equal(fingerprint(db), before)
})

test('a tampered bundle is refused naming the entry; the database is unchanged', { skip }, () => {
  const { bundle } = exported()
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet', '46147.json.gz'), '--db', db]).code, 0)
  const before = fingerprint(db)
  for (const entry of ['block/2675001/prestate.json.gz', 'block/116525/body.json.gz', 'result/1/46147.json', 'manifest/0.json', 'manifest.json']) {
    const { offset, size } = entryOffset(bundle, entry)
    const bad = withFlippedByte(bundle, offset + Math.floor(size / 2))
    const r = parevm(['snapshot', 'import', bad, '--db', db])
    assert.equal(r.code, 2, `${entry}: ${r.stderr}`)
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    assert.ok(r.stderr.includes(`entry ${entry}`), `names ${entry}: ${r.stderr}`)
    assert.match(r.stderr, /sha256 mismatch|not valid JSON/)
    assert.equal(fingerprint(db), before, `${entry}: database unchanged`)
  }
  // A bad bundle does not even create the database it was to go into.
  const nowhere = join(mkdtempSync(join(tmpdir(), 'parevm-none-')), 'never.db')
  const { offset } = entryOffset(bundle, 'block/1/body.json.gz')
  assert.equal(parevm(['snapshot', 'import', withFlippedByte(bundle, offset + 3), '--db', nowhere]).code, 2)
  assert.equal(existsSync(nowhere), false)
})

test('a truncated bundle is refused; the database is unchanged', { skip }, () => {
  const { bundle } = exported()
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet', '46147.json.gz'), '--db', db]).code, 0)
  const before = fingerprint(db)
  const bytes = readFileSync(bundle)
  const { offset, size } = entryOffset(bundle, 'block/116525/prestate.json.gz')
  const endAt = entryOffset(bundle, 'end').offset
  for (const [cut, why] of [
    [offset + Math.floor(size / 2), /truncated: entry block\/116525\/prestate\.json\.gz needs/],
    [endAt - 8, /truncated/],
    [bytes.length - 1, /truncated: entry end needs/],
    [7, /not a parevm bundle/],
  ] as Array<[number, RegExp]>) {
    const cutFile = bundle.replace(/\.pvb$/, `-cut-${cut}.pvb`)
    writeFileSync(cutFile, bytes.subarray(0, cut))
    const r = parevm(['snapshot', 'import', cutFile, '--db', db])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, why)
    assert.equal(fingerprint(db), before)
  }
  // Cut exactly at a record boundary: no end record.
  const atBoundary = bundle.replace(/\.pvb$/, '-boundary.pvb')
  writeFileSync(atBoundary, bytes.subarray(0, entryOffset(bundle, 'manifest.json').offset - 4 - 'manifest.json'.length - 4))
  const r = parevm(['snapshot', 'import', atBoundary, '--db', db])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /truncated: it ends after entry manifest\/0\.json \(no end record\)/)
  assert.equal(fingerprint(db), before)
})

test('a bundle of another chain is refused with exit 2', { skip }, () => {
  const { bundle } = exported()
  const db = tempDb()
  const store = Store.open(db)
  store.ensureChain({ chainId: 1337, profile: { kind: 'fixed', chainId: 1337, hardfork: 'cancun' } })
  store.close()
  const before = fingerprint(db)
  const r = parevm(['snapshot', 'import', bundle, '--db', db])
  assert.equal(r.code, 2)
  assert.match(r.stderr, /chain id 1\b.*chain id 1337/)
  assert.equal(fingerprint(db), before)
})

test('export: a range without blocks, or without --from, exits 2', { skip }, () => {
  const { db } = exported()
  const out = join(mkdtempSync(join(tmpdir(), 'parevm-bundle-')), 'empty.pvb')
  const empty = parevm(['snapshot', 'export', '--db', db, '--from', '5', '--to', '10', '--out', out])
  assert.equal(empty.code, 2)
  assert.match(empty.stderr, /no stored blocks in 5\.\.10/)
  assert.equal(existsSync(out), false, 'no bundle left behind')
  assert.equal(parevm(['snapshot', 'export', '--db', db, '--to', '10', '--out', out]).code, 2)
  assert.equal(parevm(['snapshot', 'export', '--db', db, '--from', '9', '--to', '3', '--out', out]).code, 2)
})

test('export of a sub-range holds only its blocks, with their ancestors\' hashes', { skip }, () => {
  const { db } = exported()
  const out = join(mkdtempSync(join(tmpdir(), 'parevm-bundle-')), 'sub.pvb')
  assert.equal(parevm(['snapshot', 'export', '--db', db, '--from', '2000000', '--to', '2700000', '--out', out]).code, 0)
  const names = [...readRecords(out)].map((e) => e.name)
  const blocks = [...new Set(names.filter((n) => n.startsWith('block/')).map((n) => Number(n.split('/')[1])))]
  assert.deepEqual(blocks, [2463000, 2675001])
  assert.equal(names.some((n) => n.startsWith('run/') || n.startsWith('result/')), false, 'no results without --results')
  const fresh = tempDb()
  assert.equal(parevm(['snapshot', 'import', out, '--db', fresh]).code, 0)
  const again = replay(fresh)
  assert.deepEqual(again.blocks.map((b) => b.number), [2463000, 2675001])
  for (const b of again.blocks) assert.deepEqual(Object.values(b.checks).filter((c) => c !== 'match'), [])
})
