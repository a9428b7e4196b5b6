/**
 * Validated headers and canonical hashes of ancestors: the parent header (its stateRoot is what
 * pre-state proofs are checked against) and the hashes BLOCKHASH reads. Each header's hash is
 * recomputed from its fields; the parent's must equal the child's parentHash. Answers are
 * shared between the blocks of a fetch and forgotten once no block in flight can need them.
 */
import type { Store } from '../../storage/store.js'
import type { RpcClient } from './rpc-client.js'
import { quantity } from './rpc-types.js'
import { validateHeader } from './validate.js'
import { ValidationError } from './fetch-errors.js'

export interface HeaderInfo {
  number: number
  hash: string
  stateRoot: string
}

const METHOD = 'eth_getBlockByNumber'

export class HeaderSource {
  private readonly headers = new Map<number, Promise<HeaderInfo>>()
  private readonly storedHash: (n: number) => string | undefined

  constructor(
    private readonly rpc: RpcClient,
    store?: Store,
  ) {
    const stmt = store?.db.prepare('SELECT hash FROM block_hashes WHERE number = ?')
    this.storedHash = (n) => (stmt?.get(n) as { hash: string } | undefined)?.hash
  }

  /** Makes a block's own (validated) header available to its child and to BLOCKHASH lookups. */
  provide(number: number, header: Promise<HeaderInfo>): void {
    header.catch(() => this.headers.delete(number))
    this.headers.set(number, header)
  }

  /** The parent of `block`, checked against the block's parentHash. */
  async parent(block: number, parentHash: string): Promise<HeaderInfo> {
    const h = await this.header(block - 1, block)
    if (h.hash !== parentHash.toLowerCase()) {
      // Both sides are validated: the node changed its chain between the two answers (a reorg).
      throw new ValidationError(block, METHOD, 'parentHash', `names ${parentHash}, but block ${block - 1} is ${h.hash} (did the chain reorganise?)`)
    }
    return h
  }

  /** Canonical hash of block `number` for BLOCKHASH in `forBlock`: database, then headers. */
  async hash(number: number, forBlock: number): Promise<string> {
    const stored = this.storedHash(number)
    if (stored !== undefined) return stored
    return (await this.header(number, forBlock)).hash
  }

  /** Drops headers below `number`: no block from here on asks for them as a parent. */
  forgetBelow(number: number): void {
    for (const n of this.headers.keys()) if (n < number) this.headers.delete(n)
  }

  private header(number: number, forBlock: number): Promise<HeaderInfo> {
    let p = this.headers.get(number)
    if (!p) {
      p = this.fetchHeader(number, forBlock)
      this.headers.set(number, p)
      p.catch(() => this.headers.delete(number))
    }
    return p
  }

  private async fetchHeader(number: number, forBlock: number): Promise<HeaderInfo> {
    const json = await this.rpc.call<unknown>(METHOD, [quantity(number), false])
    const what = number === forBlock - 1 ? `parent header ${number}` : `ancestor header ${number}`
    const h = validateHeader(json, { block: forBlock, method: METHOD, what, number })
    return { number, hash: h.hash, stateRoot: h.stateRoot }
  }
}
