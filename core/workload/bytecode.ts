/**
 * Helpers for the hand-assembled contracts: joining annotated hex, the standard constructor,
 * and a static jump check the tests use to catch a miscounted offset.
 */
import { strip0x } from './hex.js'

/** Joins hex fragments (one instruction per fragment, see the contract files) into 0x-hex. */
export function hexCode(...parts: string[]): string {
  const body = parts.map(strip0x).join('').toLowerCase()
  if (!/^([0-9a-f]{2})*$/.test(body)) throw new Error(`malformed bytecode fragment in ${body.slice(0, 40)}…`)
  return '0x' + body
}

/** Byte length of 0x-hex code. */
export function codeLength(code: string): number {
  return strip0x(code).length / 2
}

/**
 * Initcode = prelude ++ constructor ++ runtime. The 13-byte constructor copies the runtime
 * (which sits right after it) to memory and returns it:
 *
 *   61 LLLL   PUSH2 len(runtime)
 *   80        DUP1
 *   61 OOOO   PUSH2 offset of runtime in the initcode (= len(prelude) + 13)
 *   60 00     PUSH1 0
 *   39        CODECOPY        mem[0..len] = code[offset..offset+len]
 *   60 00     PUSH1 0
 *   f3        RETURN          return mem[0..len]
 *
 * `prelude` runs first (e.g. constructor storage writes); it must leave the stack empty or
 * at least not jump.
 */
export function deployCode(runtime: string, prelude = '0x'): string {
  const len = codeLength(runtime)
  const offset = codeLength(prelude) + 13
  const u16 = (n: number): string => n.toString(16).padStart(4, '0')
  return hexCode(prelude, '61' + u16(len), '80', '61' + u16(offset), '6000', '39', '6000', 'f3', runtime)
}

/** JUMPDEST offsets, skipping PUSH immediates (a 0x5b inside push data is not a destination). */
export function jumpDests(code: string): Set<number> {
  const bytes = Buffer.from(strip0x(code), 'hex')
  const dests = new Set<number>()
  for (let pc = 0; pc < bytes.length; pc++) {
    const op = bytes[pc]!
    if (op === 0x5b) dests.add(pc)
    else if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f
  }
  return dests
}

/**
 * Problems with static jumps: every `PUSH1/PUSH2 X; JUMP|JUMPI` must land on a JUMPDEST.
 * Returns human-readable findings (empty = fine). Code placed after the last STOP/RETURN (e.g.
 * embedded initcode) is scanned too; it just must not produce false jumps.
 */
export function checkStaticJumps(code: string): string[] {
  const bytes = Buffer.from(strip0x(code), 'hex')
  const dests = jumpDests(code)
  const problems: string[] = []
  for (let pc = 0; pc < bytes.length; pc++) {
    const op = bytes[pc]!
    if (op === 0x60 || op === 0x61) {
      const n = op - 0x5f
      const next = bytes[pc + 1 + n]
      if (next === 0x56 || next === 0x57) {
        const target = n === 1 ? bytes[pc + 1]! : (bytes[pc + 1]! << 8) | bytes[pc + 2]!
        if (!dests.has(target)) problems.push(`jump at 0x${(pc + 1 + n).toString(16)} to 0x${target.toString(16)} is not a JUMPDEST`)
      }
      pc += n
    } else if (op > 0x61 && op <= 0x7f) {
      pc += op - 0x5f
    }
  }
  return problems
}
