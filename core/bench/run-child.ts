/** Runs a bench child (a compiled script under dist/) in its own process and parses its JSON line. */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

export interface ChildResult<T> {
  output: T
  wallSeconds: number
}

export function runChild<T>(script: string, args: string[], execArgv: string[] = []): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [...execArgv, join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${script} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`))
      const last = out.trim().split('\n').pop()!
      resolve({ output: JSON.parse(last) as T, wallSeconds: (performance.now() - t0) / 1000 })
    })
  })
}
