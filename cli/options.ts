/** Flag parsers shared by commands: numbers (decimal or 0x hex), ranges, the database path. */
import { UsageError } from './errors.js'

export function parseBlockNumber(value: string, flag = 'block number'): number {
  const v = value.trim()
  const n = /^0x[0-9a-fA-F]+$/.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag}: "${value}" is not a block number (decimal or 0x hex)`)
  return n
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag}: "${value}" is not a positive whole number`)
  return n
}

export function parseRange(from?: string, to?: string): { from?: number; to?: number } {
  const f = from === undefined ? undefined : parseBlockNumber(from, '--from')
  const t = to === undefined ? undefined : parseBlockNumber(to, '--to')
  if (f !== undefined && t !== undefined && f > t) throw new UsageError(`--from ${f} is after --to ${t}: the range is empty`)
  return { from: f, to: t }
}

export function dbPath(opt?: string): string {
  return opt ?? process.env.PAREVM_DB ?? './parevm.db'
}
