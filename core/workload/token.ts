/**
 * ERC-20-like token, hand-assembled. Layout as Solidity would put it:
 *   slot keccak(holder . 0) = balanceOf[holder]      slot 1 = totalSupply
 * ABI: transfer(address,uint256) → bool, balanceOf(address) → uint256,
 *      mint(address,uint256) (anyone may mint; it is a test token).
 * Emits Transfer(from, to, amount) for transfer and for mint (from = 0).
 * transfer reverts when the sender's balance is too small (used for intentional reverts).
 * Memory: 0..32 scratch (key / log data), 32..64 stays zero = the mapping's slot number 0.
 */
import { hexCode, deployCode } from './bytecode.js'
import { calldata, mappingSlot } from './hex.js'

export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'
export const TOKEN_SELECTORS = { transfer: '0xa9059cbb', balanceOf: '0x70a08231', mint: '0x40c10f19' } as const

export const TOKEN_RUNTIME = hexCode(
  // dispatch on selector = calldata[0:4]
  '6000', // 00: PUSH1 0
  '35', //   02: CALLDATALOAD
  '60e0', // 03: PUSH1 224
  '1c', //   05: SHR                      [sel]
  '80', //   06: DUP1
  '63a9059cbb', // 07: PUSH4 transfer
  '14', //   0c: EQ
  '61002c', // 0d: PUSH2 0x2c (transfer)
  '57', //   10: JUMPI
  '80', //   11: DUP1
  '6370a08231', // 12: PUSH4 balanceOf
  '14', //   17: EQ
  '610092', // 18: PUSH2 0x92 (balanceOf)
  '57', //   1b: JUMPI
  '80', //   1c: DUP1
  '6340c10f19', // 1d: PUSH4 mint
  '14', //   22: EQ
  '6100a7', // 23: PUSH2 0xa7 (mint)
  '57', //   26: JUMPI
  // revert: unknown selector, or insufficient balance
  '5b', //   27: JUMPDEST
  '6000', // 28: PUSH1 0
  '80', //   2a: DUP1
  'fd', //   2b: REVERT
  // transfer(to, amount): fromSlot = keccak(caller . 0)
  '5b', //   2c: JUMPDEST
  '33', //   2d: CALLER
  '6000', // 2e: PUSH1 0
  '52', //   30: MSTORE                   mem[0] = caller
  '6040', // 31: PUSH1 64
  '6000', // 33: PUSH1 0
  '20', //   35: SHA3                     [fs, sel]
  '80', //   36: DUP1
  '54', //   37: SLOAD                    [fbal, fs, sel]
  '6024', // 38: PUSH1 36
  '35', //   3a: CALLDATALOAD             [amt, fbal, fs, sel]
  '80', //   3b: DUP1
  '82', //   3c: DUP3
  '10', //   3d: LT                       fbal < amt ?
  '610027', // 3e: PUSH2 0x27 (revert)
  '57', //   41: JUMPI                    [amt, fbal, fs, sel]
  '90', //   42: SWAP1
  '81', //   43: DUP2
  '90', //   44: SWAP1
  '03', //   45: SUB                      [fbal-amt, amt, fs, sel]
  '82', //   46: DUP3
  '55', //   47: SSTORE                   balance[from] = fbal - amt
  '90', //   48: SWAP1
  '50', //   49: POP                      [amt, sel]
  '6004', // 4a: PUSH1 4
  '35', //   4c: CALLDATALOAD             to
  '6000', // 4d: PUSH1 0
  '52', //   4f: MSTORE                   mem[0] = to
  '6040', // 50: PUSH1 64
  '6000', // 52: PUSH1 0
  '20', //   54: SHA3                     [ts, amt, sel]
  '80', //   55: DUP1
  '54', //   56: SLOAD                    [tbal, ts, amt, sel]
  '82', //   57: DUP3
  '01', //   58: ADD
  '90', //   59: SWAP1
  '55', //   5a: SSTORE                   balance[to] = tbal + amt (after the debit: self-transfer nets 0)
  '6000', // 5b: PUSH1 0
  '52', //   5d: MSTORE                   mem[0] = amt (log data)
  '6004', // 5e: PUSH1 4
  '35', //   60: CALLDATALOAD             topic2 = to
  '33', //   61: CALLER                   topic1 = from
  '7f' + TRANSFER_TOPIC.slice(2), // 62: PUSH32 Transfer topic
  '6020', // 83: PUSH1 32
  '6000', // 85: PUSH1 0
  'a3', //   87: LOG3
  '6001', // 88: PUSH1 1
  '6000', // 8a: PUSH1 0
  '52', //   8c: MSTORE                   return true
  '6020', // 8d: PUSH1 32
  '6000', // 8f: PUSH1 0
  'f3', //   91: RETURN
  // balanceOf(holder)
  '5b', //   92: JUMPDEST
  '6004', // 93: PUSH1 4
  '35', //   95: CALLDATALOAD
  '6000', // 96: PUSH1 0
  '52', //   98: MSTORE
  '6040', // 99: PUSH1 64
  '6000', // 9b: PUSH1 0
  '20', //   9d: SHA3
  '54', //   9e: SLOAD
  '6000', // 9f: PUSH1 0
  '52', //   a1: MSTORE
  '6020', // a2: PUSH1 32
  '6000', // a4: PUSH1 0
  'f3', //   a6: RETURN
  // mint(to, amount)
  '5b', //   a7: JUMPDEST
  '6004', // a8: PUSH1 4
  '35', //   aa: CALLDATALOAD
  '6000', // ab: PUSH1 0
  '52', //   ad: MSTORE
  '6040', // ae: PUSH1 64
  '6000', // b0: PUSH1 0
  '20', //   b2: SHA3                     [ts]
  '80', //   b3: DUP1
  '54', //   b4: SLOAD
  '6024', // b5: PUSH1 36
  '35', //   b7: CALLDATALOAD
  '01', //   b8: ADD
  '90', //   b9: SWAP1
  '55', //   ba: SSTORE                   balance[to] += amt
  '6024', // bb: PUSH1 36
  '35', //   bd: CALLDATALOAD
  '6001', // be: PUSH1 1
  '54', //   c0: SLOAD
  '01', //   c1: ADD
  '6001', // c2: PUSH1 1
  '55', //   c4: SSTORE                   totalSupply += amt
  '6024', // c5: PUSH1 36
  '35', //   c7: CALLDATALOAD
  '6000', // c8: PUSH1 0
  '52', //   ca: MSTORE                   mem[0] = amt
  '6004', // cb: PUSH1 4
  '35', //   cd: CALLDATALOAD             topic2 = to
  '6000', // ce: PUSH1 0                  topic1 = 0 (mint)
  '7f' + TRANSFER_TOPIC.slice(2), // d0: PUSH32 Transfer topic
  '6020', // f1: PUSH1 32
  '6000', // f3: PUSH1 0
  'a3', //   f5: LOG3
  '00', //   f6: STOP
)

export const TOKEN_INITCODE = deployCode(TOKEN_RUNTIME)

/** Storage slot of `holder`'s balance. */
export function tokenBalanceSlot(holder: string): string {
  return mappingSlot(holder, 0)
}

export const TOKEN_TOTAL_SUPPLY_SLOT = 1n

export function encodeTransfer(to: string, amount: bigint): string {
  return calldata(TOKEN_SELECTORS.transfer, to, amount)
}

export function encodeMint(to: string, amount: bigint): string {
  return calldata(TOKEN_SELECTORS.mint, to, amount)
}

export function encodeBalanceOf(holder: string): string {
  return calldata(TOKEN_SELECTORS.balanceOf, holder)
}
