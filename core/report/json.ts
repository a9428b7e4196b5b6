/** The report as one JSON document: the model itself, so scripts read what the renderers show. */
import type { ReportModel } from './model.js'

export function renderJson(model: ReportModel): string {
  return JSON.stringify(model, null, 2) + '\n'
}
