/**
 * Named errors of the fetcher. The CLI maps them to exit codes: ValidationError is the node
 * serving bad data (external, exit 3); FetchInputError is a request we cannot serve (exit 2).
 */

/** Data from the node failed a check; nothing of that block was stored. */
export class ValidationError extends Error {
  override name = 'ValidationError'
  constructor(
    readonly block: number,
    /** The RPC method whose answer was bad. */
    readonly method: string,
    /** What was checked, e.g. "receiptsRoot", "proof 0xabc… slot 0x…". */
    readonly field: string,
    readonly detail: string,
  ) {
    super(`block ${block}: ${method} returned bad data: ${field}: ${detail}`)
  }
}

/** The range, flags or node capabilities make the request impossible (exit 2). */
export class FetchInputError extends Error {
  override name = 'FetchInputError'
}

/** Discovery did not converge or the engine failed on a complete pre-state. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError'
}
