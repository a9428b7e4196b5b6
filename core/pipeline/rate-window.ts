/** Rates "now" (over the last few seconds) and since the start, for counts and an amount (gas). */
export class RateWindow {
  private events: Array<{ t: number; count: number; amount: number }> = []
  private readonly start = performance.now()
  private totalCount = 0
  private totalAmount = 0

  constructor(private readonly windowMs = 5000) {}

  add(count: number, amount: number): void {
    const t = performance.now()
    this.events.push({ t, count, amount })
    this.totalCount += count
    this.totalAmount += amount
    while (this.events.length > 0 && this.events[0]!.t < t - this.windowMs) this.events.shift()
  }

  perSecondNow(): { count: number; amount: number } {
    if (this.events.length === 0) return { count: 0, amount: 0 }
    const span = Math.max(1000, performance.now() - this.events[0]!.t) / 1000
    return {
      count: this.events.reduce((s, e) => s + e.count, 0) / span,
      amount: this.events.reduce((s, e) => s + e.amount, 0) / span,
    }
  }

  perSecondTotal(): { count: number; amount: number } {
    const span = Math.max(1, performance.now() - this.start) / 1000
    return { count: this.totalCount / span, amount: this.totalAmount / span }
  }
}
