/**
 * `debug_executionWitness` (reth, geth): the trie nodes, codes and ancestor headers a block
 * needs, in one call. Its state nodes hang off the parent's stateRoot, which must be the root
 * of our validated parent header; every lookup then walks content-addressed nodes, so what it
 * yields is proven. A lookup the witness cannot answer means the node's witness is incomplete.
 */
import type { Block } from '@ethereumjs/block'
import {
  ExecutionWitnessState,
  MissingNodeError,
  WitnessError,
  decodeWitnessHeaders,
  type AccountState,
  type ExecutionWitness,
} from '../verify/witness/index.js'
import { EMPTY_CODE_HASH } from '../execute/state-layer.js'
import type { RpcClient } from './rpc-client.js'
import { RpcMethodNotFoundError } from './rpc-errors.js'
import type { Capabilities } from './capabilities.js'
import { ValidationError } from './fetch-errors.js'
import { accountMiss, slotMiss, type LazyState } from './lazy-state.js'
import { isRefusal, type LoadRequest, type StateSource } from './state-source.js'
import { quantity } from './rpc-types.js'

const METHOD = 'debug_executionWitness'

/** The witness, or undefined when the node does not have the method or will not give one for this block (then proofs serve). */
export async function fetchExecutionWitness(rpc: RpcClient, block: Block, caps: Capabilities): Promise<ExecutionWitness | undefined> {
  if (caps.executionWitness === false) return undefined
  try {
    const w = await rpc.call<ExecutionWitness>(METHOD, [quantity(block.header.number)])
    caps.executionWitness = true
    const number = Number(block.header.number)
    if (w === null || typeof w !== 'object' || !Array.isArray(w.state) || !Array.isArray(w.codes) || !Array.isArray(w.headers)) {
      throw new ValidationError(number, METHOD, 'witness', 'expected {state, codes, headers} lists')
    }
    return w
  } catch (e) {
    if (e instanceof RpcMethodNotFoundError) {
      caps.executionWitness = false
      return undefined
    }
    if (isRefusal(e)) return undefined
    throw e
  }
}

export class WitnessSource implements StateSource {
  readonly kind = 'execution-witness' as const
  private readonly view: ExecutionWitnessState

  constructor(
    private readonly block: number,
    readonly witness: ExecutionWitness,
    parentRoot: string,
  ) {
    try {
      this.view = new ExecutionWitnessState(witness, parentRoot)
    } catch (e) {
      throw new ValidationError(block, METHOD, 'witness', (e as Error).message)
    }
    if (!this.view.hasRootNode()) throw new ValidationError(block, METHOD, 'state', `no node hashes to the parent stateRoot ${parentRoot}`)
  }

  /** Ancestor hashes the witness carries (each computed from its header bytes). */
  headerHashes(): Map<number, string> {
    try {
      return new Map(decodeWitnessHeaders(this.witness.headers).map((h) => [Number(h.number), h.hash]))
    } catch (e) {
      throw new ValidationError(this.block, METHOD, 'headers', (e as Error).message)
    }
  }

  async load(state: LazyState, requests: LoadRequest[]): Promise<Map<string, Error>> {
    const failures = new Map<string, Error>()
    for (const r of requests) {
      const lacks = (e: Error, keys: string[]): void => {
        // Maybe a key only a placeholder path asked for: an error only if the block needs it.
        const err = new ValidationError(this.block, METHOD, 'state', `lacks ${r.address}: ${e.message}`)
        for (const k of keys) failures.set(k, err)
      }
      let account: AccountState | undefined
      try {
        account = this.view.getAccountState(r.address)
      } catch (e) {
        if (!(e instanceof MissingNodeError)) throw this.malformed(e, r.address)
        lacks(e, [accountMiss(r.address).key, ...r.slots.map((s) => slotMiss(r.address, s).key)])
        continue
      }
      if (!state.accounts.has(r.address)) {
        state.setAccount(r.address, account === undefined ? null
          : { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash, storageRoot: account.storageRoot })
      }
      if (account !== undefined && account.codeHash !== EMPTY_CODE_HASH && !state.codes.has(account.codeHash)) {
        const code = this.view.getCode(account.codeHash)
        if (code === undefined) throw new ValidationError(this.block, METHOD, 'codes', `no code for ${r.address} (codeHash ${account.codeHash})`)
        state.codes.set(account.codeHash, code)
      }
      for (const slot of r.slots) {
        try {
          state.setSlot(r.address, slot, this.view.getStorage(r.address, slot))
        } catch (e) {
          if (!(e instanceof MissingNodeError)) throw this.malformed(e, r.address)
          lacks(e, [slotMiss(r.address, slot).key])
        }
      }
    }
    return failures
  }

  private malformed(e: unknown, address: string): unknown {
    return e instanceof WitnessError ? new ValidationError(this.block, METHOD, 'state', `malformed node under ${address}: ${e.message}`) : e
  }
}
