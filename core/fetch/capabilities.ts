/**
 * What the node turned out to serve, learnt on first use and shared by all blocks of a fetch:
 * undefined = not tried yet, false = the node said the method does not exist.
 */
export interface Capabilities {
  trace?: boolean
  blockReceipts?: boolean
  proofs?: boolean
  executionWitness?: boolean
}
