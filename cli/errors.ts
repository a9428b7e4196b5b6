/**
 * Exit codes of the command-line contract (../shared/CLI.md) and the one place that maps
 * errors to them: 0 all matched, 1 a mismatch or failed test, 2 bad usage or input,
 * 3 an external failure (RPC unreachable after retries, disk full).
 */
export const EXIT = { ok: 0, mismatch: 1, usage: 2, external: 3 } as const

/** Bad usage or bad input: exit 2 with a one-line message. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Something outside us failed: exit 3. */
export class ExternalError extends Error {
  override name = 'ExternalError'
}

const INPUT_ERRORS = new Set([
  'UsageError', 'FixtureError', 'SchemaError', 'BlockDecodeError', 'ChainRulesError', 'RangeError',
  'ConformanceInputError', 'BundleError', 'ChainMismatchError', 'RpcInvalidParamsError', 'ProofError',
  'StoreInputError', 'CommanderError', 'FetchInputError',
])
// ValidationError: the fetcher caught the node serving bad data (core/fetch/fetch-errors.ts).
const EXTERNAL_ERRORS = new Set(['ExternalError', 'RpcUnreachableError', 'RpcResponseError', 'AnvilStartError', 'DiskFullError', 'ValidationError'])

export function exitCodeFor(err: unknown): number {
  const e = err as { name?: string; code?: string }
  if (e?.code === 'ENOSPC' || e?.code === 'SQLITE_FULL') return EXIT.external
  if (e?.code === 'SQLITE_READONLY' || e?.code === 'SQLITE_CANTOPEN') return EXIT.usage
  if (e?.name && EXTERNAL_ERRORS.has(e.name)) return EXIT.external
  if (e?.name && INPUT_ERRORS.has(e.name)) return EXIT.usage
  return EXIT.external
}

/** One line for the user: the message of a known error, or name and message otherwise. */
export function oneLine(err: unknown): string {
  const e = err as Error
  const msg = (e?.message ?? String(err)).split('\n')[0]!
  return `parevm: ${msg}`
}
