/** Running the real `parevm` binary in a child process, as users and scripts do. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN } from './shared.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function parevm(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8', env: { ...process.env, CI: '1', ...env }, timeout: 600_000, maxBuffer: 64 << 20,
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export function tempDb(name = 'parevm.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'parevm-test-')), name)
}
