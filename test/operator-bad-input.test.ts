/**
 * Operator mistakes across commands: each gives one clear line on stderr, the contract's exit
 * code (2 bad usage/input, 3 external failure), and leaves the database exactly as it was.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { startAnvil } from '../core/fetch/anvil.js'
import { parevm, tempDb } from './support/cli.js'
import { needShared, sharedPath } from './support/shared.js'

function fingerprint(db: string): string {
  const d = new Database(db, { readonly: true })
  try {
    const tables = d.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>
    const counts = tables.map((t) => `${t.name}=${(d.prepare(`SELECT COUNT(*) AS n FROM "${t.name}"`).get() as { n: number }).n}`)
    return `v${d.pragma('user_version', { simple: true })} ${counts.join(' ')}`
  } finally {
    d.close()
  }
}

function expectOneLine(args: string[], code: number, pattern: RegExp): void {
  const r = parevm(args)
  assert.equal(r.code, code, `${args.join(' ')}: exit ${r.code}, stderr: ${r.stderr}`)
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('demo:'))
  assert.equal(lines.length, 1, `${args.join(' ')}: one line, got:\n${r.stderr}`)
  assert.match(lines[0]!, pattern)
}

test('bad input across commands: one line, exit code, database unchanged', needShared('mainnet', '46147.json.gz'), async () => {
  const db = tempDb()
  assert.equal(parevm(['import', sharedPath('mainnet', '46147.json.gz'), '--db', db]).code, 0)
  assert.equal(parevm(['replay', '--db', db, '--mode', 'sequential']).code, 0)
  const before = fingerprint(db)
  const dir = mkdtempSync(join(tmpdir(), 'parevm-op-'))

  expectOneLine(['run', '--rpc', 'http://127.0.0.1:9', '--from', '1', '--to', '2', '--bogus', '--db', db], 2, /unknown option '--bogus'/)
  expectOneLine(['run', '--rpc', 'http://127.0.0.1:9', '--from', '20', '--to', '10', '--db', db], 2, /--from 20 is after --to 10/)
  expectOneLine(['run', '--rpc', 'not a url', '--from', '1', '--to', '2', '--db', db], 2, /--rpc: "not a url" is not a URL/)
  expectOneLine(['fetch', '--rpc', 'http://127.0.0.1:9', '--from', '1', '--to', '2', '--discovery', 'psychic', '--db', db], 2, /--discovery: "psychic"/)
  // Nothing listens on port 9 of the loopback: unreachable after retries is an external failure.
  expectOneLine(['run', '--rpc', 'http://127.0.0.1:9', '--from', '1', '--to', '2', '--db', db, '--no-tui'], 3, /unreachable/)
  expectOneLine(['replay', '--workers', 'many', '--db', db], 2, /--workers: "many"/)
  expectOneLine(['audit', '--runs', '0', '--db', db], 2, /--runs: "0"/)
  expectOneLine(['demo', '--blocks', '3'], 2, /at least 6 blocks/)
  expectOneLine(['conformance', join(dir, 'nowhere')], 2, /nowhere/)
  expectOneLine(['report', '--format', 'pdf', '--db', db], 2, /pdf/)
  const bundle = join(dir, 'bad.bundle')
  writeFileSync(bundle, 'parevm-bundle\nthis is not a bundle at all')
  expectOneLine(['snapshot', 'import', bundle, '--db', db], 2, /bundle/i)
  // sysfs refuses new files even to root: a database path that cannot be written.
  expectOneLine(['replay', '--db', '/sys/parevm-test.db'], 2, /parevm-test\.db/)
  expectOneLine(['import', sharedPath('mainnet', '116525.json.gz'), '--db', '/sys/parevm-test.db'], 2, /parevm-test\.db/)

  // A node of another chain (anvil, chain id 31337) for a database that holds mainnet data.
  const node = await startAnvil({ hardfork: 'cancun' })
  try {
    await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] }) })
    expectOneLine(['run', '--rpc', node.url, '--from', '1', '--to', '1', '--db', db, '--no-tui'], 2, /chain id 1.*31337|31337.*chain id 1/)
  } finally {
    await node.stop()
  }
  assert.equal(fingerprint(db), before, 'the database is unchanged')
})
