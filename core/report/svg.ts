/**
 * Inline SVG charts, written as text: no library, no script, no fonts to fetch. One x slot per
 * block (block numbers are sparse, so the axis is ordinal), bars or lines per series, a nice
 * y scale from zero, and a native <title> tooltip on every mark.
 */
import { escapeHtml } from './format.js'

export interface Series {
  name: string
  color: string
  /** One value per x slot; undefined leaves a gap. */
  values: Array<number | undefined>
  style: 'bar' | 'line'
  /** Drawn dashed (a bound rather than a measurement). */
  dashed?: boolean
}

export interface ChartSpec {
  id: string
  title: string
  yLabel: string
  /** Suffix for values in tooltips ("×", " ms"). */
  unit?: string
  labels: string[]
  series: Series[]
  width?: number
  height?: number
}

const M = { left: 64, right: 16, top: 44, bottom: 56 }

export function svgChart(spec: ChartSpec): string {
  const width = spec.width ?? 1000
  const height = spec.height ?? 300
  const plotW = width - M.left - M.right
  const plotH = height - M.top - M.bottom
  const n = spec.labels.length
  const all = spec.series.flatMap((s) => s.values).filter((v): v is number => v !== undefined && Number.isFinite(v))
  const ticks = niceTicks(all.length ? Math.max(...all) : 1)
  const yMax = ticks[ticks.length - 1]!
  const slot = n > 0 ? plotW / n : plotW
  const x = (i: number): number => M.left + slot * (i + 0.5)
  const y = (v: number): number => M.top + plotH - (Math.max(0, v) / yMax) * plotH
  const titleId = `${spec.id}-title`
  const parts: string[] = [
    `<svg id="${escapeHtml(spec.id)}" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" ` +
      `width="100%" role="img" aria-labelledby="${escapeHtml(titleId)}">`,
    `<title id="${escapeHtml(titleId)}">${escapeHtml(spec.title)}</title>`,
    `<text x="${M.left}" y="18" class="ct">${escapeHtml(spec.title)}</text>`,
    ...legend(spec.series, width),
    ...yAxis(ticks, y, width, spec.yLabel, plotH),
  ]
  if (n === 0) parts.push(`<text x="${width / 2}" y="${M.top + plotH / 2}" text-anchor="middle" class="muted">no blocks</text>`)
  parts.push(...bars(spec, x, y, slot), ...lines(spec, x, y, n), ...xLabels(spec.labels, x, M.top + plotH))
  parts.push(`<line x1="${M.left}" y1="${M.top + plotH}" x2="${width - M.right}" y2="${M.top + plotH}" class="axis"/>`, '</svg>')
  return parts.join('\n')
}

/** Zero to a round maximum in about five steps of 1, 2 or 5 × 10^k. */
export function niceTicks(max: number): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1
  const raw = top / 5
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw)!
  const ticks: number[] = []
  for (let v = 0; v < top + step * 1e-9; v += step) ticks.push(roundTo(v, step))
  if (ticks[ticks.length - 1]! < top) ticks.push(roundTo(ticks[ticks.length - 1]! + step, step))
  return ticks
}

function roundTo(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1)
  return Number(v.toFixed(digits))
}

function legend(series: Series[], width: number): string[] {
  const out: string[] = []
  let xPos = width - M.right
  for (const s of [...series].reverse()) {
    const w = 26 + s.name.length * 7
    xPos -= w
    const swatch = s.style === 'bar'
      ? `<rect x="${xPos}" y="10" width="12" height="12" fill="${s.color}"/>`
      : `<line x1="${xPos}" y1="16" x2="${xPos + 14}" y2="16" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`
    out.push(swatch, `<text x="${xPos + 18}" y="20" class="lg">${escapeHtml(s.name)}</text>`)
  }
  return out
}

function yAxis(ticks: number[], y: (v: number) => number, width: number, label: string, plotH: number): string[] {
  const out = ticks.map((t) => `<line x1="${M.left}" y1="${f(y(t))}" x2="${width - M.right}" y2="${f(y(t))}" class="grid"/>` +
    `<text x="${M.left - 6}" y="${f(y(t) + 4)}" text-anchor="end" class="tick">${t}</text>`)
  const cy = M.top + plotH / 2
  out.push(`<text x="14" y="${f(cy)}" transform="rotate(-90 14 ${f(cy)})" text-anchor="middle" class="tick">${escapeHtml(label)}</text>`)
  return out
}

function bars(spec: ChartSpec, x: (i: number) => number, y: (v: number) => number, slot: number): string[] {
  const barSeries = spec.series.filter((s) => s.style === 'bar')
  if (barSeries.length === 0) return []
  const groupW = Math.max(1, slot * 0.8)
  const barW = groupW / barSeries.length
  const base = y(0)
  const out: string[] = []
  barSeries.forEach((s, k) => {
    s.values.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) return
      const left = x(i) - groupW / 2 + k * barW
      const top = y(v)
      out.push(`<rect x="${f(left)}" y="${f(top)}" width="${f(Math.max(0.5, barW - (barW > 3 ? 1 : 0)))}" height="${f(base - top)}" fill="${s.color}">` +
        `<title>${escapeHtml(`${spec.labels[i]}: ${s.name} ${fmt(v)}${spec.unit ?? ''}`)}</title></rect>`)
    })
  })
  return out
}

function lines(spec: ChartSpec, x: (i: number) => number, y: (v: number) => number, n: number): string[] {
  const out: string[] = []
  for (const s of spec.series.filter((s) => s.style === 'line')) {
    // Break the path at gaps rather than drawing across blocks without a value.
    let d = ''
    let pen = false
    s.values.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) {
        pen = false
        return
      }
      d += `${pen ? 'L' : 'M'}${f(x(i))} ${f(y(v))} `
      pen = true
    })
    if (d) out.push(`<path d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`)
    // Dots carry the tooltips; past a few hundred blocks they would only blur the line.
    if (n <= 300) {
      s.values.forEach((v, i) => {
        if (v === undefined || !Number.isFinite(v)) return
        out.push(`<circle cx="${f(x(i))}" cy="${f(y(v))}" r="${n <= 60 ? 3 : 1.5}" fill="${s.color}">` +
          `<title>${escapeHtml(`${spec.labels[i]}: ${s.name} ${fmt(v)}${spec.unit ?? ''}`)}</title></circle>`)
      })
    }
  }
  return out
}

/** At most about a dozen labels, rotated so long block numbers fit. */
function xLabels(labels: string[], x: (i: number) => number, baseY: number): string[] {
  const every = Math.max(1, Math.ceil(labels.length / 12))
  const out: string[] = []
  labels.forEach((label, i) => {
    if (i % every !== 0) return
    const lx = f(x(i))
    const ly = f(baseY + 14)
    out.push(`<text x="${lx}" y="${ly}" transform="rotate(-30 ${lx} ${ly})" text-anchor="end" class="tick">${escapeHtml(label)}</text>`)
  })
  return out
}

const f = (v: number): string => (Math.round(v * 10) / 10).toString()
const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2))
