/**
 * Test network names → fork schedule → one shared Common per fork. Networks are a fork name
 * ("Cancun", "ConstantinopleFix", "EIP158", "Merge") or a transition ("BerlinToLondonAt5",
 * "ShanghaiToCancunAtTime15k"): forks up to the first are active from genesis, forks after it up
 * to the second from the given block number or timestamp. Block-number transitions need no
 * total difficulty; merge transitions by difficulty ("…AtDiff…") are not supported.
 */
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import type { ChainConfig, HardforkTransitionConfig } from '@ethereumjs/common'
import { ecrecover, kzg } from '../../execute/crypto.js'
import { installJumpDestCache } from '../../execute/evm-tuning.js'
import { commonsByFork } from '../../execute/chain.js'
import type { BlobScheduleEntry } from './fixture.js'

/** The network is not one these rules can express (or @ethereumjs cannot run): the test fails. */
export class UnsupportedNetworkError extends Error {
  override name = 'UnsupportedNetworkError'
}

/** Mainnet fork order; bpo3..5 exist only when a test's blob schedule defines them. */
const ORDER: string[] = [
  Hardfork.Chainstart, Hardfork.Homestead, Hardfork.Dao, Hardfork.TangerineWhistle, Hardfork.SpuriousDragon,
  Hardfork.Byzantium, Hardfork.Constantinople, Hardfork.Petersburg, Hardfork.Istanbul, Hardfork.MuirGlacier,
  Hardfork.Berlin, Hardfork.London, Hardfork.ArrowGlacier, Hardfork.GrayGlacier, Hardfork.Paris,
  Hardfork.MergeNetsplitBlock, Hardfork.Shanghai, Hardfork.Cancun, Hardfork.Prague, Hardfork.Osaka,
  Hardfork.Bpo1, Hardfork.Bpo2, Hardfork.Bpo3, Hardfork.Bpo4, Hardfork.Bpo5,
]
const TIMESTAMP_FORKS = new Set(ORDER.slice(ORDER.indexOf(Hardfork.Shanghai)))
/** Forks with no definition in @ethereumjs 10.1.3: usable only with a blob schedule from the test. */
const UNDEFINED_FORKS = new Set<string>([Hardfork.Bpo3, Hardfork.Bpo4, Hardfork.Bpo5])

const ALIASES: Record<string, string> = {
  frontier: Hardfork.Chainstart, chainstart: Hardfork.Chainstart, homestead: Hardfork.Homestead, dao: Hardfork.Dao,
  eip150: Hardfork.TangerineWhistle, tangerinewhistle: Hardfork.TangerineWhistle,
  eip158: Hardfork.SpuriousDragon, spuriousdragon: Hardfork.SpuriousDragon,
  byzantium: Hardfork.Byzantium, constantinople: Hardfork.Constantinople,
  constantinoplefix: Hardfork.Petersburg, petersburg: Hardfork.Petersburg, istanbul: Hardfork.Istanbul,
  muirglacier: Hardfork.MuirGlacier, berlin: Hardfork.Berlin, london: Hardfork.London,
  arrowglacier: Hardfork.ArrowGlacier, grayglacier: Hardfork.GrayGlacier, merge: Hardfork.Paris, paris: Hardfork.Paris,
  shanghai: Hardfork.Shanghai, cancun: Hardfork.Cancun, prague: Hardfork.Prague, osaka: Hardfork.Osaka,
  bpo1: Hardfork.Bpo1, bpo2: Hardfork.Bpo2, bpo3: Hardfork.Bpo3, bpo4: Hardfork.Bpo4, bpo5: Hardfork.Bpo5,
}

export function forkOfName(name: string): string {
  const fork = ALIASES[name.toLowerCase()]
  if (!fork) throw new UnsupportedNetworkError(`unknown fork "${name}"`)
  return fork
}

/** Position of a fork (or a network's last fork) in mainnet order, for sorting reports. */
export function forkRank(network: string): number {
  try {
    const s = parseNetwork(network)
    return ORDER.indexOf(s.to ?? s.from) + (s.to ? 0.5 : 0)
  } catch {
    return ORDER.length + 1
  }
}

export interface NetworkSpec {
  from: string
  /** Transition target, active from `at` (block number or timestamp). */
  to?: string
  at?: bigint
  byTime?: boolean
}

export function parseNetwork(network: string): NetworkSpec {
  const m = /^([A-Za-z0-9]+?)To([A-Za-z0-9]+?)At(Time|Diff)?([0-9A-Fa-f]+)(k)?$/.exec(network)
  if (!m) return { from: forkOfName(network) }
  const [, a, b, kind, num, k] = m
  if (kind === 'Diff') throw new UnsupportedNetworkError(`network ${network}: merge by total difficulty is not supported`)
  const from = forkOfName(a!)
  const to = forkOfName(b!)
  if (ORDER.indexOf(to) <= ORDER.indexOf(from)) throw new UnsupportedNetworkError(`network ${network}: ${b} does not follow ${a}`)
  const byTime = kind === 'Time'
  if (byTime !== TIMESTAMP_FORKS.has(to)) {
    throw new UnsupportedNetworkError(`network ${network}: ${to} activates by ${TIMESTAMP_FORKS.has(to) ? 'timestamp' : 'block number'}`)
  }
  const at = BigInt(num!) * (k ? 1000n : 1n)
  return { from, to, at, byTime }
}

/** The hardfork list for a Common: scheduled forks at 0 or `at`, the rest unscheduled. */
export function forkSchedule(spec: NetworkSpec, defined: (fork: string) => boolean): HardforkTransitionConfig[] {
  const fromIdx = ORDER.indexOf(spec.from)
  const toIdx = spec.to ? ORDER.indexOf(spec.to) : fromIdx
  const out: HardforkTransitionConfig[] = []
  for (const [i, name] of ORDER.entries()) {
    if (!defined(name)) {
      if (i <= toIdx) throw new UnsupportedNetworkError(`fork ${name} has no definition here (no blob schedule for it in the test)`)
      continue
    }
    // The DAO fork and the netsplit marker are scheduled only when a transition names them.
    const optional = name === Hardfork.Dao || name === Hardfork.MergeNetsplitBlock
    let at: bigint | null = null
    if (i <= fromIdx && !(optional && i !== toIdx)) at = 0n
    else if (i <= toIdx && (!optional || i === toIdx)) {
      // One activation for every fork the transition crosses: they must all go by the same clock.
      if (TIMESTAMP_FORKS.has(name) !== (spec.byTime === true)) {
        throw new UnsupportedNetworkError(`transition to ${spec.to} crosses ${name}, which activates by ${TIMESTAMP_FORKS.has(name) ? 'timestamp' : 'block number'}`)
      }
      at = spec.at ?? 0n
    }
    if (at === null) out.push({ name, block: null })
    else if (TIMESTAMP_FORKS.has(name)) out.push({ name, block: null, timestamp: Number(at) })
    else out.push({ name, block: Number(at) })
  }
  return out
}

export interface TestChain {
  readonly network: string
  readonly chainId: bigint
  /** The Common for a block (one shared instance per fork). */
  commonFor(number: bigint, timestamp: bigint): Common
  /** Block that applies the DAO irregular state change, if the network schedules it. */
  readonly daoBlock?: bigint
}

/** Blob schedule of the test's config, for the BPO forks (bpo3.. have no built-in definition). */
function customForks(blobSchedule: Record<string, BlobScheduleEntry> | undefined): Record<string, object> {
  const out: Record<string, object> = {}
  for (const [key, entry] of Object.entries(blobSchedule ?? {})) {
    const fork = ALIASES[key.toLowerCase()]
    if (!fork || !fork.startsWith('bpo')) continue
    out[fork] = {
      eips: [],
      params: { target: Number(entry.target), max: Number(entry.max), blobGasPriceUpdateFraction: Number(entry.baseFeeUpdateFraction) },
    }
  }
  return out
}

const customCrypto = { ecrecover, kzg }
const chains = new Map<string, TestChain>()

/** The chain rules of a test network; cached per network and config (one VM per fork downstream). */
export function testChain(network: string, config?: { chainid?: string; blobSchedule?: Record<string, BlobScheduleEntry> }): TestChain {
  const key = network + '|' + JSON.stringify(config ?? {})
  let chain = chains.get(key)
  if (!chain) {
    chain = buildChain(network, config)
    chains.set(key, chain)
  }
  return chain
}

function buildChain(network: string, config?: { chainid?: string; blobSchedule?: Record<string, BlobScheduleEntry> }): TestChain {
  installJumpDestCache()
  const spec = parseNetwork(network)
  const custom = customForks(config?.blobSchedule)
  const hardforks = forkSchedule(spec, (f) => !UNDEFINED_FORKS.has(f) || custom[f] !== undefined)
  const chainId = config?.chainid !== undefined ? BigInt(config.chainid) : 1n
  const chainConfig: ChainConfig = {
    ...Mainnet,
    name: `conformance-${network}`,
    chainId: Number(chainId),
    defaultHardfork: spec.to ?? spec.from,
    hardforks,
    customHardforks: custom as ChainConfig['customHardforks'],
  }
  let template: Common
  try {
    template = new Common({ chain: chainConfig, hardfork: spec.from, customCrypto })
  } catch (err) {
    throw new UnsupportedNetworkError(`network ${network}: @ethereumjs cannot build its rules: ${(err as Error).message}`)
  }
  const daoEntry = hardforks.find((h) => h.name === Hardfork.Dao)
  return {
    network,
    chainId,
    daoBlock: daoEntry?.block !== null && daoEntry?.block !== undefined ? BigInt(daoEntry.block) : undefined,
    commonFor: commonsByFork(template),
  }
}
