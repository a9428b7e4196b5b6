/** Running the real `parevm` binary in a child process, as users and scripts do. */
import { spawn, spawnSync } from 'node:child_process'
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

/** The binary without blocking the test's event loop (servers in the test keep answering). */
export function parevmAsync(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code: code ?? -1, stderr }))
  })
}
