/** Reports of recorded runs: build the model from the store, render it as json, md or html. */
import { renderHtml } from './html.js'
import { renderJson } from './json.js'
import { renderMarkdown } from './markdown.js'
import type { ReportModel } from './model.js'

export { buildReport, reportFromRecords, ReportError } from './model.js'
export type { BlockRow, MismatchRow, ReportModel, RunSummary, UncheckedGroup } from './model.js'
export { renderHtml, renderJson, renderMarkdown }
export { svgChart } from './svg.js'

export const REPORT_FORMATS = ['json', 'md', 'html'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export function isReportFormat(s: string): s is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(s)
}

export function renderReport(model: ReportModel, format: ReportFormat): string {
  switch (format) {
    case 'json': return renderJson(model)
    case 'md': return renderMarkdown(model)
    case 'html': return renderHtml(model)
  }
}
