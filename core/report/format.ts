/** Number and text formatting shared by the Markdown and HTML renderers. */

export const VERDICT_MARK: Record<string, string> = { match: '✓', mismatch: '✗', unchecked: '–' }

export function mark(state: string | undefined): string {
  return state === undefined ? '' : VERDICT_MARK[state] ?? state
}

/** 1234567 → "1,234,567" (locale-independent, so reports are identical everywhere). */
export function int(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

export function fixed(n: number | undefined, digits = 2): string {
  return n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits)
}

export function ms(seconds: number): string {
  return (seconds * 1000).toFixed(seconds < 0.1 ? 1 : 0)
}

export function times(n: number | undefined): string {
  return n === undefined ? '—' : `${n.toFixed(2)}×`
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A Markdown table cell: pipes and newlines would break the row. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** "1, 2, 3 … and 7 more": long block lists stay readable. */
export function listBlocks(blocks: number[], max = 12): string {
  const shown = blocks.slice(0, max).join(', ')
  return blocks.length > max ? `${shown} … and ${blocks.length - max} more` : shown
}
