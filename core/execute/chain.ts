/**
 * Chain rules: which fork a block runs under, whether blocks pay rewards, and the Common
 * (with our native crypto) for that fork. A profile is stored with the blocks so that
 * `replay` needs no flags.
 */
import { Common, Hardfork, Mainnet, createCustomCommon, createCommonFromGethGenesis } from '@ethereumjs/common'
import type { GethGenesis } from '@ethereumjs/common'
import { ecrecover, keccak256, kzg } from './crypto.js'
import { installJumpDestCache, shareCommon } from './evm-tuning.js'

export type ChainProfile =
  | { kind: 'mainnet' }
  /**
   * Every block under one fork, no block rewards (anvil, `--hardfork NAME`). `trie: 'anvil'`:
   * the node's state root is anvil's, not the spec's (see core/execute/trie-hints.ts).
   */
  | { kind: 'fixed'; chainId: number; hardfork: string; trie?: 'anvil' }
  /** A geth-style genesis `config` (`--chain FILE`); rewards as the fork schedule says. */
  | { kind: 'geth'; chainId: number; config: Record<string, unknown> }

export class ChainRulesError extends Error {
  override name = 'ChainRulesError'
}

export interface ChainRules {
  readonly profile: ChainProfile
  readonly chainId: bigint
  /** The Common for a block (one instance per fork, reused). */
  commonFor(number: bigint, timestamp: bigint): Common
  /** Pre-merge block and ommer rewards are paid. */
  paysRewards(common: Common): boolean
  /** The block that applies the DAO irregular state change, if any. */
  readonly daoForkBlock?: bigint
  /** Missing EIP-7002/7251 system contracts mean "no requests" (dev nodes), not an invalid block. */
  readonly lenientSystemContracts?: boolean
  /** The headers' state roots are anvil's trie (zero slots and emptied accounts kept as leaves). */
  readonly trie?: 'anvil'
}

const FORK_ORDER: string[] = Object.values(Hardfork)

export function isKnownHardfork(name: string): boolean {
  return FORK_ORDER.includes(name)
}

/** Accepts our names and common aliases ("merge" → paris, "shanghai", "Cancun"). */
export function normalizeHardfork(name: string): string {
  const lower = name.trim().toLowerCase()
  const alias: Record<string, string> = {
    merge: 'paris', frontier: 'chainstart', tangerine: 'tangerineWhistle', tangerinewhistle: 'tangerineWhistle',
    spuriousdragon: 'spuriousDragon', muirglacier: 'muirGlacier', arrowglacier: 'arrowGlacier',
    grayglacier: 'grayGlacier', eip150: 'tangerineWhistle', eip158: 'spuriousDragon',
  }
  const found = alias[lower] ?? FORK_ORDER.find((f) => f.toLowerCase() === lower)
  if (!found) throw new ChainRulesError(`unknown hardfork "${name}" (known: ${FORK_ORDER.join(', ')})`)
  return found
}

const customCrypto = { ecrecover, kzg, keccak256 }

export function chainRules(profile: ChainProfile): ChainRules {
  installJumpDestCache()
  switch (profile.kind) {
    case 'mainnet':
      return scheduleRules(profile, new Common({ chain: Mainnet, customCrypto }), true, 1920000n)
    case 'fixed': {
      const hardfork = normalizeHardfork(profile.hardfork)
      const base = shareCommon(createCustomCommon({ chainId: profile.chainId, name: `fixed-${hardfork}` }, Mainnet, {
        hardfork, customCrypto,
      }))
      return {
        profile,
        chainId: BigInt(profile.chainId),
        commonFor: () => base,
        paysRewards: () => false,
        lenientSystemContracts: true,
        ...(profile.trie === 'anvil' ? { trie: 'anvil' as const } : {}),
      }
    }
    case 'geth': {
      // Only the config's fork schedule matters here; the genesis fields are placeholders.
      const genesis = { config: profile.config, difficulty: '0x1', gasLimit: '0x1', nonce: '0x0', alloc: {}, extraData: '0x', timestamp: '0x0' }
      const common = createCommonFromGethGenesis(genesis as unknown as GethGenesis, {
        chain: `geth-${profile.chainId}`, customCrypto,
      })
      const dao = profile.config['daoForkSupport'] === true && profile.config['daoForkBlock'] !== undefined
        ? BigInt(profile.config['daoForkBlock'] as number) : undefined
      return scheduleRules(profile, common, true, dao)
    }
  }
}

function scheduleRules(profile: ChainProfile, template: Common, rewards: boolean, dao?: bigint): ChainRules {
  return {
    profile,
    chainId: template.chainId(),
    daoForkBlock: dao,
    commonFor: commonsByFork(template),
    paysRewards: (common) => rewards && !common.gteHardfork(Hardfork.Paris),
  }
}

/** The Common of a block under a fork schedule: one shared instance per fork (see evm-tuning.ts). */
export function commonsByFork(template: Common): (number: bigint, timestamp: bigint) => Common {
  const byFork = new Map<string, Common>()
  return (number, timestamp) => {
    const fork = template.getHardforkBy({ blockNumber: number, timestamp })
    let c = byFork.get(fork)
    if (!c) {
      c = template.copy()
      c.setHardfork(fork)
      byFork.set(fork, shareCommon(c))
    }
    return c
  }
}
