/**
 * Contract code by hash, shared by all blocks of a fetch: the same contracts run block after
 * block, so each code is fetched from the node once (and never when the database has it).
 */
import type { Store } from '../../storage/store.js'

const MAX_ENTRIES = 4096

export class CodeCache {
  private readonly memory = new Map<string, Uint8Array>()
  private readonly lookup: ((hash: string) => Uint8Array | undefined) | undefined

  constructor(store?: Store) {
    if (store) {
      const stmt = store.db.prepare('SELECT code FROM code WHERE hash = ?')
      this.lookup = (hash) => {
        const row = stmt.get(hash) as { code: Buffer } | undefined
        return row ? new Uint8Array(row.code) : undefined
      }
    }
  }

  get(hash: string): Uint8Array | undefined {
    const hit = this.memory.get(hash)
    if (hit) {
      // Refresh its position: the Map's order is the eviction order.
      this.memory.delete(hash)
      this.memory.set(hash, hit)
      return hit
    }
    const stored = this.lookup?.(hash)
    if (stored) this.put(hash, stored)
    return stored
  }

  put(hash: string, code: Uint8Array): void {
    this.memory.set(hash, code)
    if (this.memory.size > MAX_ENTRIES) this.memory.delete(this.memory.keys().next().value!)
  }
}
