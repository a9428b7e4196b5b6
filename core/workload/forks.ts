/** The few fork rules the workload has to know to predict outcomes. */

export interface ForkRules {
  /** Lowercase anvil name, e.g. "london", "cancun", "prague". */
  name: string
  /**
   * EIP-6780 (cancun+): SELFDESTRUCT deletes the account only when it was created in the same
   * transaction; otherwise it just moves the balance and the code stays.
   */
  eip6780: boolean
}

/** Forks we can drive: all need EIP-1559 (london+) for the fee fields we send. */
const SUPPORTED = ['london', 'arrowglacier', 'grayglacier', 'paris', 'shanghai', 'cancun', 'prague', 'osaka'] as const
const CANCUN_INDEX = SUPPORTED.indexOf('cancun')
const ALIASES: Record<string, string> = { merge: 'paris' }

export class UnsupportedForkError extends Error {
  override name = 'UnsupportedForkError'
}

/** Rules for an anvil hardfork name as `anvil_nodeInfo` reports it ("Cancun", "ArrowGlacier", …). */
export function forkRules(hardFork: string): ForkRules {
  const key = hardFork.toLowerCase().replace(/[^a-z]/g, '')
  const name = ALIASES[key] ?? key
  const index = (SUPPORTED as readonly string[]).indexOf(name)
  if (index < 0) {
    throw new UnsupportedForkError(
      `workload supports hardforks ${SUPPORTED.join(', ')}; node runs "${hardFork}"`,
    )
  }
  return { name, eip6780: index >= CANCUN_INDEX }
}
