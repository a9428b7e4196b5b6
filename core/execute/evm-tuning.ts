/**
 * Two measured hot spots of @ethereumjs 10.x that our engine removes (about 20% of replay):
 * - the interpreter re-analyses jump destinations of the same code on every call frame:
 *   cache the analysis per code array (our state layer hands out one array per code hash);
 * - every transaction and header copies the Common and rebuilds its parameter cache: our
 *   per-fork Commons are never mutated after setup, so copies can share the instance.
 * Both are pure caches: results are byte-identical (the 50-block corpus and the suites say so).
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Common } from '@ethereumjs/common'
import { paramsBlock } from '@ethereumjs/block'
import { paramsTx } from '@ethereumjs/tx'
import { paramsEVM } from '@ethereumjs/evm'
import { paramsVM } from '@ethereumjs/vm'

type Analysis = { jumps: Uint8Array; pushes: Record<number, bigint>; opcodesCached: unknown[] }
interface InterpreterProto {
  _getValidJumpDestinations(this: { _evm: { _opcodeMap: unknown } }, code: Uint8Array): Analysis
}

const evmDir = join(dirname(createRequire(import.meta.url).resolve('@ethereumjs/evm')), '..', 'esm')
const { Interpreter } = (await import(pathToFileURL(join(evmDir, 'interpreter.js')).href)) as {
  Interpreter: { prototype: InterpreterProto }
}

let installed = false

/** Installs the jump-destination cache (idempotent). */
export function installJumpDestCache(): void {
  if (installed) return
  installed = true
  const original = Interpreter.prototype._getValidJumpDestinations
  // code array → opcode map (one per fork) → analysis; the analysis is read-only afterwards.
  const cache = new WeakMap<Uint8Array, Map<unknown, Analysis>>()
  Interpreter.prototype._getValidJumpDestinations = function (code: Uint8Array): Analysis {
    const opMap = this._evm._opcodeMap
    let byMap = cache.get(code)
    let hit = byMap?.get(opMap)
    if (!hit) {
      hit = original.call(this, code)
      if (!byMap) cache.set(code, (byMap = new Map()))
      byMap.set(opMap, hit)
    }
    return hit
  }
}

const ALL_PARAMS = [paramsTx, paramsBlock, paramsEVM, paramsVM]

/**
 * Merges every package's parameters once, then makes `copy()` return the instance itself and
 * `updateParams()` of already-merged sets a no-op. Only for Commons that nobody mutates later.
 */
export function shareCommon(common: Common): Common {
  for (const p of ALL_PARAMS) common.updateParams(p)
  const merged = new WeakSet<object>(ALL_PARAMS)
  const update = common.updateParams.bind(common)
  Object.assign(common, {
    copy: () => common,
    updateParams: (params: object) => {
      if (!merged.has(params)) {
        merged.add(params)
        update(params as never)
      }
    },
  })
  return common
}
