/**
 * Bad input gets one clear line on stderr and the contract's exit code (2 bad usage/input),
 * and nothing already stored is lost or half-written.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { parevm, tempDb } from './support/cli.js'
import { needShared, sharedPath } from './support/shared.js'

function oneLineError(r: { code: number; stderr: string; stdout: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`)
  const lines = r.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`)
  assert.match(lines[0]!, pattern)
  assert.equal(r.stdout, '')
}

function blockCount(db: string): number {
  const d = new Database(db, { readonly: true })
  try {
    return (d.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n
  } finally {
    d.close()
  }
}

test('unknown flag and unknown command: exit 2, one line', () => {
  oneLineError(parevm(['replay', '--bogus']), 2, /unknown option '--bogus'/)
  oneLineError(parevm(['frobnicate']), 2, /unknown command 'frobnicate'/)
  oneLineError(parevm(['replay', '--mode', 'turbo', '--db', tempDb()]), 2, /--mode: "turbo"/)
  oneLineError(parevm(['replay', '--workers', '0', '--db', tempDb()]), 2, /--workers: "0"/)
  oneLineError(parevm(['replay', '--from', '10', '--to', '5', '--db', tempDb()]), 2, /--from 10 is after --to 5/)
  oneLineError(parevm(['replay', '--from', 'abc', '--db', tempDb()]), 2, /--from: "abc" is not a block number/)
})

test('replay on a missing or empty database: exit 2', () => {
  oneLineError(parevm(['replay', '--db', join(mkdtempSync(join(tmpdir(), 'p-')), 'none.db')]), 2, /does not exist/)
  const db = tempDb()
  const imp = parevm(['import', '--db', db, join(mkdtempSync(join(tmpdir(), 'p-')), 'nothing.json.gz')])
  assert.equal(imp.code, 2)
  // An existing but empty database (created by a failed import or another command).
  new Database(db).close()
  oneLineError(parevm(['replay', '--db', db]), 2, /no stored blocks/)
})

test('missing, corrupt and malformed fixture files: exit 2 naming the file, nothing stored', needShared('mainnet'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'parevm-bad-'))
  const db = tempDb()
  const good = join(dir, '46147.json.gz')
  copyFileSync(sharedPath('mainnet', '46147.json.gz'), good)
  assert.equal(parevm(['import', good, '--db', db]).code, 0)
  assert.equal(blockCount(db), 1)

  oneLineError(parevm(['import', join(dir, 'missing.json.gz'), '--db', db]), 2, /missing\.json\.gz: no such file/)

  const truncated = join(dir, 'truncated.json.gz')
  const bytes = readFileSync(sharedPath('mainnet', '116525.json.gz'))
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1))
  oneLineError(parevm(['import', truncated, '--db', db]), 2, /truncated\.json\.gz: corrupt gzip/)

  const notJson = join(dir, 'notjson.json.gz')
  writeFileSync(notJson, gzipSync('{"block": '))
  oneLineError(parevm(['import', notJson, '--db', db]), 2, /notjson\.json\.gz: invalid JSON/)

  const noPre = join(dir, 'nopre.json.gz')
  const doc = JSON.parse(gunzipSync(bytes).toString('utf8'))
  writeFileSync(noPre, gzipSync(JSON.stringify({ block: doc.block })))
  oneLineError(parevm(['import', noPre, '--db', db]), 2, /nopre\.json\.gz: missing "preState"/)

  const badHash = join(dir, 'badhash.json.gz')
  writeFileSync(badHash, gzipSync(JSON.stringify({ ...doc, block: { ...doc.block, hash: '0x1234' } })))
  oneLineError(parevm(['import', badHash, '--db', db]), 2, /badhash\.json\.gz: block\.hash is not a 32-byte hash/)

  // A good file next to a bad one: nothing of the batch is stored.
  const good2 = join(dir, '116525.json.gz')
  copyFileSync(sharedPath('mainnet', '116525.json.gz'), good2)
  oneLineError(parevm(['import', good2, truncated, '--db', db]), 2, /truncated/)
  assert.equal(blockCount(db), 1, 'the database is as it was')
})

test('a database from a newer schema is refused, untouched', needShared('mainnet'), () => {
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet', '46147.json.gz'), '--db', db]).code, 0)
  const d = new Database(db)
  d.pragma('user_version = 99')
  d.close()
  oneLineError(parevm(['replay', '--db', db]), 2, /schema version 99, newer than this parevm supports/)
  oneLineError(parevm(['import', sharedPath('mainnet', '116525.json.gz'), '--db', db]), 2, /schema version 99/)
  const after = new Database(db, { readonly: true })
  assert.equal(after.pragma('user_version', { simple: true }), 99)
  assert.equal((after.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n, 1)
  after.close()
})

test('a file that is not a database: exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parevm-notdb-'))
  const f = join(dir, 'x.db')
  writeFileSync(f, 'this is not sqlite at all, just text that is long enough to be a header'.repeat(10))
  oneLineError(parevm(['replay', '--db', f]), 2, /not a parevm database/)
})

test('a range with no stored blocks: exit 2', needShared('mainnet'), () => {
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet', '46147.json.gz'), '--db', db]).code, 0)
  oneLineError(parevm(['replay', '--db', db, '--from', '100', '--to', '200']), 2, /no stored blocks in 100\.\.200/)
})
