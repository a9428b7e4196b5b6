/**
 * Storage writer, hand-assembled: for i in [0, count): slot[start + i] = value.
 * Calldata is three raw words, no selector: (start, count, value). value = 0 clears the slots
 * (refunds); a range of fresh slots makes a storage-heavy transaction.
 */
import { hexCode, deployCode } from './bytecode.js'
import { word } from './hex.js'

export const BANK_RUNTIME = hexCode(
  '6000', // 00: PUSH1 0                  [i = 0]
  // loop
  '5b', //   02: JUMPDEST
  '6020', // 03: PUSH1 32
  '35', //   05: CALLDATALOAD             [count, i]
  '81', //   06: DUP2
  '10', //   07: LT                       i < count ?
  '15', //   08: ISZERO
  '61001d', // 09: PUSH2 0x1d (end)
  '57', //   0c: JUMPI
  '6040', // 0d: PUSH1 64
  '35', //   0f: CALLDATALOAD             [value, i]
  '81', //   10: DUP2
  '6000', // 11: PUSH1 0
  '35', //   13: CALLDATALOAD
  '01', //   14: ADD                      [start + i, value, i]
  '55', //   15: SSTORE
  '6001', // 16: PUSH1 1
  '01', //   18: ADD                      [i + 1]
  '610002', // 19: PUSH2 0x02 (loop)
  '56', //   1c: JUMP
  // end
  '5b', //   1d: JUMPDEST
  '00', //   1e: STOP
)

export const BANK_INITCODE = deployCode(BANK_RUNTIME)

export function encodeBankWrite(start: bigint, count: number, value: bigint): string {
  return '0x' + word(start) + word(count) + word(value)
}

/** Gas limit that comfortably covers writing `count` fresh slots (22.1k each when cold). */
export function bankWriteGas(count: number): bigint {
  return 60_000n + 25_000n * BigInt(count)
}

/** Gas limit for clearing `count` slots (cold SSTORE to zero ≈ 5k each before refunds). */
export function bankClearGas(count: number): bigint {
  return 60_000n + 8_000n * BigInt(count)
}
