/**
 * Which rules a chain runs under, decided once per fetch: flags first (`--hardfork`,
 * `--chain`), then built-in profiles (mainnet), then what the node says of itself (anvil).
 */
import { readFileSync } from 'node:fs'
import { ChainRulesError, normalizeHardfork, type ChainProfile } from '../execute/chain.js'
import type { StoredChain } from '../../storage/store.js'
import type { RpcClient } from './rpc-client.js'
import { RpcMethodNotFoundError, RpcResponseError } from './rpc-errors.js'
import { FetchInputError } from './fetch-errors.js'

export interface ChainFlags {
  /** `--hardfork NAME`: every block under that fork, no rewards. */
  hardfork?: string
  /** `--chain FILE`: a geth-style genesis JSON with `config`. */
  chainFile?: string
}

/** Chain ids with a built-in profile. */
const KNOWN: Record<number, ChainProfile> = { 1: { kind: 'mainnet' } }

export async function detectChain(rpc: RpcClient, flags: ChainFlags = {}): Promise<StoredChain> {
  if (flags.hardfork !== undefined && flags.chainFile !== undefined) {
    throw new FetchInputError('--hardfork and --chain exclude each other: pass one')
  }
  const chainId = Number(BigInt(await rpc.call<string>('eth_chainId')))
  if (flags.hardfork !== undefined) {
    return { chainId, profile: { kind: 'fixed', chainId, hardfork: normalizeHardfork(flags.hardfork) } }
  }
  if (flags.chainFile !== undefined) return { chainId, profile: gethProfile(flags.chainFile, chainId) }
  const known = KNOWN[chainId]
  if (known) return { chainId, profile: known }
  const anvilFork = await anvilHardfork(rpc)
  if (anvilFork !== undefined) {
    // anvil's state roots are its own trie's (zero slots and emptied accounts stay as leaves).
    return { chainId, profile: { kind: 'fixed', chainId, hardfork: normalizeHardfork(anvilFork), trie: 'anvil' } }
  }
  throw new ChainRulesError(
    `chain id ${chainId} has no built-in rules and the node does not report them: pass --hardfork NAME or --chain FILE (geth genesis JSON)`,
  )
}

/** anvil's single hardfork from `anvil_nodeInfo`, or undefined when the node is not anvil. */
async function anvilHardfork(rpc: RpcClient): Promise<string | undefined> {
  try {
    const info = await rpc.call<{ hardFork?: unknown }>('anvil_nodeInfo')
    return typeof info?.hardFork === 'string' ? info.hardFork : undefined
  } catch (e) {
    // Any JSON-RPC error means "not anvil"; transport failures still surface.
    if (e instanceof RpcMethodNotFoundError || e instanceof RpcResponseError) return undefined
    throw e
  }
}

/** Reads a geth genesis file; its config's chainId must agree with the node's. */
export function gethProfile(file: string, nodeChainId: number): ChainProfile {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new FetchInputError(`--chain ${file}: cannot read a JSON genesis: ${(e as Error).message.split('\n')[0]}`)
  }
  const config = (json as { config?: unknown })?.config
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FetchInputError(`--chain ${file}: no "config" object (expected a geth-style genesis JSON)`)
  }
  const cfg = config as Record<string, unknown>
  if (cfg.chainId !== undefined && Number(cfg.chainId) !== nodeChainId) {
    throw new FetchInputError(`--chain ${file}: config.chainId ${String(cfg.chainId)} differs from the node's chain id ${nodeChainId}`)
  }
  return { kind: 'geth', chainId: nodeChainId, config: { ...cfg, chainId: nodeChainId } }
}
