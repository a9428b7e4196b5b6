/**
 * Small contracts around SELFDESTRUCT and failing creation, hand-assembled.
 */
import { hexCode, deployCode } from './bytecode.js'

/**
 * Killable: runtime `CALLER SELFDESTRUCT`; deployed with a balance. A later call sends the
 * balance to the caller; before cancun that deletes the account, under EIP-6780 (cancun+) the
 * code and storage stay and only the balance moves.
 */
export const KILLABLE_RUNTIME = hexCode(
  '33', // CALLER
  'ff', // SELFDESTRUCT
)
export const KILLABLE_INITCODE = deployCode(KILLABLE_RUNTIME)

/**
 * Initcode that self-destructs during its own creation: the account is created and deleted in
 * one transaction under every fork (EIP-6780 keeps this case). The value sent goes back to the
 * sender.
 */
export const SUICIDE_ON_CREATE_INITCODE = hexCode(
  '33', // CALLER
  'ff', // SELFDESTRUCT
)

/** Initcode whose constructor reverts: a failed creation that still costs gas and a nonce. */
export const REVERTING_INITCODE = hexCode(
  '6000', // PUSH1 0
  '80', //   DUP1
  'fd', //   REVERT(0, 0)
)
