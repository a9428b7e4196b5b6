/**
 * Constant-product pair (x·y=k without fee, no real token movement): two reserves in storage,
 * swap moves both. Hand-assembled.
 *   slot 0 = reserve0    slot 1 = reserve1
 * ABI: swap(uint256 amountIn, bool zeroForOne) → amountOut, emits Swap(address indexed sender,
 *      uint256 amountIn, uint256 amountOut); reverts when amountIn or amountOut is 0.
 *      addLiquidity(uint256 a0, uint256 a1): reserves += (a0, a1), emits Sync(r0, r1).
 *      getReserves() → (r0, r1).
 * amountOut = rOut · amountIn / (rIn + amountIn), same integer maths as `swapOut` below.
 */
import { hexCode, deployCode } from './bytecode.js'
import { calldata } from './hex.js'

export const SWAP_TOPIC = '0x77f92a1b6a1a11de8ca49515ad4c1fad45632dd3442167d74b90b304a3c7a758'
export const SYNC_TOPIC = '0xcf2aa50876cdfbb541206f89af0ee78d44a2abf8d328e37fa4917f982149848a'
export const PAIR_SELECTORS = { swap: '0x2aea6605', addLiquidity: '0x9cd441da', getReserves: '0x0902f1ac' } as const

export const PAIR_RUNTIME = hexCode(
  // dispatch on selector
  '6000', // 00: PUSH1 0
  '35', //   02: CALLDATALOAD
  '60e0', // 03: PUSH1 224
  '1c', //   05: SHR                      [sel]
  '80', //   06: DUP1
  '632aea6605', // 07: PUSH4 swap
  '14', //   0c: EQ
  '61002c', // 0d: PUSH2 0x2c (swap)
  '57', //   10: JUMPI
  '80', //   11: DUP1
  '639cd441da', // 12: PUSH4 addLiquidity
  '14', //   17: EQ
  '61008c', // 18: PUSH2 0x8c (addLiquidity)
  '57', //   1b: JUMPI
  '80', //   1c: DUP1
  '630902f1ac', // 1d: PUSH4 getReserves
  '14', //   22: EQ
  '6100d0', // 23: PUSH2 0xd0 (getReserves)
  '57', //   26: JUMPI
  // revert
  '5b', //   27: JUMPDEST
  '6000', // 28: PUSH1 0
  '80', //   2a: DUP1
  'fd', //   2b: REVERT
  // swap(in, zeroForOne)
  '5b', //   2c: JUMPDEST
  '6004', // 2d: PUSH1 4
  '35', //   2f: CALLDATALOAD             [in]
  '80', //   30: DUP1
  '15', //   31: ISZERO
  '610027', // 32: PUSH2 0x27 (revert)
  '57', //   35: JUMPI                    in == 0 → revert
  '6024', // 36: PUSH1 36
  '35', //   38: CALLDATALOAD
  '15', //   39: ISZERO                   [i, in]   i = slot of reserveIn (0 if zeroForOne)
  '80', //   3a: DUP1
  '15', //   3b: ISZERO                   [o, i, in] o = slot of reserveOut
  '80', //   3c: DUP1
  '54', //   3d: SLOAD                    [rOut, o, i, in]
  '82', //   3e: DUP3
  '54', //   3f: SLOAD                    [rIn, rOut, o, i, in]
  '84', //   40: DUP5
  '01', //   41: ADD                      [rIn+in, rOut, o, i, in]
  '80', //   42: DUP1
  '85', //   43: DUP6
  '83', //   44: DUP4
  '02', //   45: MUL                      [rOut*in, rIn+in, rIn+in, rOut, o, i, in]
  '04', //   46: DIV                      [out, rIn+in, rOut, o, i, in]
  '80', //   47: DUP1
  '15', //   48: ISZERO
  '610027', // 49: PUSH2 0x27 (revert)
  '57', //   4c: JUMPI                    out == 0 → revert
  '90', //   4d: SWAP1
  '84', //   4e: DUP5
  '55', //   4f: SSTORE                   reserveIn = rIn + in          [out, rOut, o, i, in]
  '80', //   50: DUP1
  '82', //   51: DUP3
  '03', //   52: SUB
  '83', //   53: DUP4
  '55', //   54: SSTORE                   reserveOut = rOut - out       [out, rOut, o, i, in]
  '80', //   55: DUP1
  '6020', // 56: PUSH1 32
  '52', //   58: MSTORE                   mem[32] = out
  '84', //   59: DUP5
  '6000', // 5a: PUSH1 0
  '52', //   5c: MSTORE                   mem[0] = in
  '33', //   5d: CALLER                   topic1 = sender
  '7f' + SWAP_TOPIC.slice(2), // 5e: PUSH32 Swap topic
  '6040', // 7f: PUSH1 64
  '6000', // 81: PUSH1 0
  'a2', //   83: LOG2
  '6000', // 84: PUSH1 0
  '52', //   86: MSTORE                   mem[0] = out
  '6020', // 87: PUSH1 32
  '6000', // 89: PUSH1 0
  'f3', //   8b: RETURN
  // addLiquidity(a0, a1)
  '5b', //   8c: JUMPDEST
  '6004', // 8d: PUSH1 4
  '35', //   8f: CALLDATALOAD
  '6000', // 90: PUSH1 0
  '54', //   92: SLOAD
  '01', //   93: ADD                      [r0 + a0]
  '80', //   94: DUP1
  '6000', // 95: PUSH1 0
  '55', //   97: SSTORE
  '6000', // 98: PUSH1 0
  '52', //   9a: MSTORE                   mem[0] = r0'
  '6024', // 9b: PUSH1 36
  '35', //   9d: CALLDATALOAD
  '6001', // 9e: PUSH1 1
  '54', //   a0: SLOAD
  '01', //   a1: ADD                      [r1 + a1]
  '80', //   a2: DUP1
  '6001', // a3: PUSH1 1
  '55', //   a5: SSTORE
  '6020', // a6: PUSH1 32
  '52', //   a8: MSTORE                   mem[32] = r1'
  '7f' + SYNC_TOPIC.slice(2), // a9: PUSH32 Sync topic
  '6040', // ca: PUSH1 64
  '6000', // cc: PUSH1 0
  'a1', //   ce: LOG1
  '00', //   cf: STOP
  // getReserves()
  '5b', //   d0: JUMPDEST
  '6000', // d1: PUSH1 0
  '54', //   d3: SLOAD
  '6000', // d4: PUSH1 0
  '52', //   d6: MSTORE
  '6001', // d7: PUSH1 1
  '54', //   d9: SLOAD
  '6020', // da: PUSH1 32
  '52', //   dc: MSTORE
  '6040', // dd: PUSH1 64
  '6000', // df: PUSH1 0
  'f3', //   e1: RETURN
)

export const PAIR_INITCODE = deployCode(PAIR_RUNTIME)

export interface Reserves {
  r0: bigint
  r1: bigint
}

/** Output of a swap, as the contract computes it (0 = the contract reverts). */
export function swapOut(reserves: Reserves, amountIn: bigint, zeroForOne: boolean): bigint {
  if (amountIn === 0n) return 0n
  const [rIn, rOut] = zeroForOne ? [reserves.r0, reserves.r1] : [reserves.r1, reserves.r0]
  return (rOut * amountIn) / (rIn + amountIn)
}

/** Reserves after a successful swap. */
export function applySwap(reserves: Reserves, amountIn: bigint, zeroForOne: boolean): Reserves {
  const out = swapOut(reserves, amountIn, zeroForOne)
  return zeroForOne
    ? { r0: reserves.r0 + amountIn, r1: reserves.r1 - out }
    : { r0: reserves.r0 - out, r1: reserves.r1 + amountIn }
}

export function encodeSwap(amountIn: bigint, zeroForOne: boolean): string {
  return calldata(PAIR_SELECTORS.swap, amountIn, zeroForOne ? 1n : 0n)
}

export function encodeAddLiquidity(a0: bigint, a1: bigint): string {
  return calldata(PAIR_SELECTORS.addLiquidity, a0, a1)
}

export function encodeGetReserves(): string {
  return calldata(PAIR_SELECTORS.getReserves)
}
