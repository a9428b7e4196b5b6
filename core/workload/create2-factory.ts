/**
 * CREATE2 factory and its child, hand-assembled.
 *
 * Child initcode (23 bytes): records which block created this incarnation, then deploys the
 * 2-byte runtime `CALLER SELFDESTRUCT`. Each incarnation writes a different slot (its block
 * number), so a re-created child must show the old incarnation's slot as 0 — the storage wipe
 * is observable.
 *   slot 0 = creation block number      slot <creation block number> = 1
 *
 * Factory ABI:
 *   deploy(bytes32 salt) → address: CREATE2 the child with msg.value; reverts if CREATE2 fails
 *     (address occupied). Stores the child in slot 0, emits Deployed(address indexed child, salt).
 *   deployAndKill(bytes32 salt) → address: same, then calls the child, which self-destructs in
 *     the transaction that created it (EIP-6780 still deletes it under cancun+).
 * The child initcode is appended to the factory's runtime and copied out with CODECOPY.
 */
import { generateAddress2 } from '@ethereumjs/util'
import { bytesToHex, hexToBytes } from 'ethereum-cryptography/utils.js'
import { hexCode, deployCode } from './bytecode.js'
import { calldata, keccakHex, strip0x, word } from './hex.js'

export const DEPLOYED_TOPIC = '0x94bfd9af14ef450884c8a7ddb5734e2e1e14e70a1c84f0801cc5a29e34d26428'
export const FACTORY_SELECTORS = { deploy: '0x2b85ba38', deployAndKill: '0x95b768d8' } as const

/** Child runtime: SELFDESTRUCT to whoever calls. */
export const CHILD_RUNTIME = hexCode(
  '33', // CALLER
  'ff', // SELFDESTRUCT
)

export const CHILD_INITCODE = deployCode(
  CHILD_RUNTIME,
  hexCode(
    '6001', // 00: PUSH1 1
    '43', //   02: NUMBER
    '55', //   03: SSTORE      slot[block.number] = 1
    '43', //   04: NUMBER
    '6000', // 05: PUSH1 0
    '55', //   07: SSTORE      slot[0] = block.number
  ),
)

const CHILD_INIT_LEN = 0x17 // 23 bytes, checked below
const FACTORY_CODE = hexCode(
  // dispatch on selector
  '6000', // 00: PUSH1 0
  '35', //   02: CALLDATALOAD
  '60e0', // 03: PUSH1 224
  '1c', //   05: SHR                      [sel]
  '80', //   06: DUP1
  '632b85ba38', // 07: PUSH4 deploy
  '14', //   0c: EQ
  '610028', // 0d: PUSH2 0x28 (deploy)
  '57', //   10: JUMPI
  '80', //   11: DUP1
  '6395b768d8', // 12: PUSH4 deployAndKill
  '14', //   17: EQ
  '610021', // 18: PUSH2 0x21 (deployAndKill)
  '57', //   1b: JUMPI
  // revert
  '5b', //   1c: JUMPDEST
  '6000', // 1d: PUSH1 0
  '80', //   1f: DUP1
  'fd', //   20: REVERT
  // deployAndKill: kill = 1
  '5b', //   21: JUMPDEST
  '6001', // 22: PUSH1 1
  '61002b', // 24: PUSH2 0x2b (create)
  '56', //   27: JUMP
  // deploy: kill = 0
  '5b', //   28: JUMPDEST
  '6000', // 29: PUSH1 0
  // create                               [kill, sel]
  '5b', //   2b: JUMPDEST
  '6017', // 2c: PUSH1 23                 len(child initcode)
  '610091', // 2e: PUSH2 0x91             its offset: right after this code
  '6000', // 31: PUSH1 0
  '39', //   33: CODECOPY                 mem[0..23] = child initcode
  '6004', // 34: PUSH1 4
  '35', //   36: CALLDATALOAD             salt
  '6017', // 37: PUSH1 23
  '6000', // 39: PUSH1 0
  '34', //   3b: CALLVALUE
  'f5', //   3c: CREATE2                  [child, kill, sel]
  '80', //   3d: DUP1
  '15', //   3e: ISZERO
  '61001c', // 3f: PUSH2 0x1c (revert)
  '57', //   42: JUMPI                    CREATE2 failed (collision) → revert
  '80', //   43: DUP1
  '6000', // 44: PUSH1 0
  '55', //   46: SSTORE                   slot[0] = child
  '81', //   47: DUP2
  '15', //   48: ISZERO
  '61005b', // 49: PUSH2 0x5b (finish)
  '57', //   4c: JUMPI                    kill == 0 → skip the call
  '6000', // 4d: PUSH1 0
  '80', //   4f: DUP1
  '80', //   50: DUP1
  '80', //   51: DUP1
  '80', //   52: DUP1                     retSize, retOff, argsSize, argsOff, value = 0
  '85', //   53: DUP6                     child
  '5a', //   54: GAS
  'f1', //   55: CALL                     child self-destructs (beneficiary = factory)
  '15', //   56: ISZERO
  '61001c', // 57: PUSH2 0x1c (revert)
  '57', //   5a: JUMPI
  // finish                               [child, kill, sel]
  '5b', //   5b: JUMPDEST
  '6004', // 5c: PUSH1 4
  '35', //   5e: CALLDATALOAD
  '6000', // 5f: PUSH1 0
  '52', //   61: MSTORE                   mem[0] = salt (log data)
  '80', //   62: DUP1                     topic1 = child
  '7f' + DEPLOYED_TOPIC.slice(2), // 63: PUSH32 Deployed topic
  '6020', // 84: PUSH1 32
  '6000', // 86: PUSH1 0
  'a2', //   88: LOG2
  '6000', // 89: PUSH1 0
  '52', //   8b: MSTORE
  '6020', // 8c: PUSH1 32
  '6000', // 8e: PUSH1 0
  'f3', //   90: RETURN                   return child
)

export const FACTORY_RUNTIME = hexCode(FACTORY_CODE, CHILD_INITCODE)
export const FACTORY_INITCODE = deployCode(FACTORY_RUNTIME)

// The offsets baked into FACTORY_CODE above; fail at import rather than deploy garbage.
if (strip0x(CHILD_INITCODE).length / 2 !== CHILD_INIT_LEN || strip0x(FACTORY_CODE).length / 2 !== 0x91) {
  throw new Error('create2-factory: hand-assembled offsets are out of date')
}

export const CHILD_INITCODE_HASH = keccakHex(CHILD_INITCODE)

/** Address of the child the factory deploys for `salt` (EIP-1014 formula). */
export function childAddress(factory: string, salt: bigint | number): string {
  const addr = generateAddress2(hexToBytes(strip0x(factory)), hexToBytes(word(salt)), hexToBytes(strip0x(CHILD_INITCODE)))
  return '0x' + bytesToHex(addr)
}

export function encodeDeploy(salt: bigint | number): string {
  return calldata(FACTORY_SELECTORS.deploy, salt)
}

export function encodeDeployAndKill(salt: bigint | number): string {
  return calldata(FACTORY_SELECTORS.deployAndKill, salt)
}
