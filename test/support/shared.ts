/** Locating ../shared (real public data, read in place) and skipping visibly where it is absent. */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The project root (tests run compiled from dist/test). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const SHARED = process.env.PAREVM_SHARED ?? resolve(ROOT, '..', 'shared')

export function sharedPath(...parts: string[]): string {
  return join(SHARED, ...parts)
}

/** `{ skip }` option for node:test: a visible reason when the data is not there (a fresh clone). */
export function needShared(...parts: string[]): { skip: string | false } {
  const p = sharedPath(...parts)
  return existsSync(p) ? { skip: false } : { skip: `shared data absent: ${p} (tests that read ../shared are skipped)` }
}

export const BIN = join(ROOT, 'bin', 'parevm.js')
