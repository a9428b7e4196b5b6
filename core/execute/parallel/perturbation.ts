/**
 * Stress mode: seeded perturbations of Block-STM scheduling, to hunt races. Whatever they do,
 * results must stay identical to sequential execution; only the amount of work may change.
 */

export interface PerturbOptions {
  seed: number
  /** Probability that a task is handed over late (0..1). */
  lateProbability?: number
  /** Upper bound of a late hand-over, ms. */
  maxLateMs?: number
  /** Probability that a task goes without the pending replica updates (a stale worker). */
  staleProbability?: number
  /** Probability that a worker holds a task before executing it (busy wait). */
  slowProbability?: number
  maxSlowMs?: number
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Perturbation {
  private readonly random: () => number
  private readonly o: Required<PerturbOptions>

  constructor(opts: PerturbOptions) {
    this.o = {
      lateProbability: 0.2, maxLateMs: 2, staleProbability: 0.2, slowProbability: 0.1, maxSlowMs: 1, ...opts,
    }
    this.random = seededRandom(opts.seed)
  }

  /** A random choice among candidates (random worker order). */
  pick<T>(candidates: T[]): T {
    return candidates[Math.floor(this.random() * candidates.length)]!
  }

  lateMs(): number {
    return this.random() < this.o.lateProbability ? this.random() * this.o.maxLateMs : 0
  }

  withholdUpdates(): boolean {
    return this.random() < this.o.staleProbability
  }

  slowMs(): number {
    return this.random() < this.o.slowProbability ? this.random() * this.o.maxSlowMs : 0
  }
}
