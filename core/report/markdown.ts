/** The report as Markdown: summary, per-block table, mismatch details, unchecked reasons. */
import { fixed, int, listBlocks, mark, mdCell, ms, times } from './format.js'
import type { BlockRow, ReportModel } from './model.js'

export function renderMarkdown(model: ReportModel): string {
  return [
    ...title(model),
    ...summarySection(model),
    ...blockTable(model),
    ...mismatchSection(model),
    ...uncheckedSection(model),
  ].join('\n') + '\n'
}

function title(m: ReportModel): string[] {
  const range = m.run.from !== null || m.run.to !== null ? `, blocks ${m.run.from ?? 0}..${m.run.to ?? '∞'}` : ''
  return [
    `# parevm report: run ${m.run.id}`,
    '',
    `${m.run.mode}, ${m.run.workers} worker(s)${range}; status **${m.run.status}**; started ${m.run.startedAt}` +
      (m.run.finishedAt ? `, finished ${m.run.finishedAt}` : '') + (m.chainId !== undefined ? `; chain id ${m.chainId}` : ''),
    ...(m.run.error ? ['', `> run failed: ${m.run.error}`] : []),
    '',
  ]
}

function summarySection(m: ReportModel): string[] {
  const s = m.summary
  const rows: Array<[string, string]> = [
    ['Blocks', int(s.blocks)],
    ['Matched', int(s.matched)],
    ['Mismatched', int(s.mismatched)],
    ['With unchecked fields', int(s.unchecked)],
    ['Checks (match / mismatch / unchecked)', `${s.checks.match} / ${s.checks.mismatch} / ${s.checks.unchecked}`],
    ['Transactions', int(s.txs)],
    ['Gas', int(s.gas)],
    ['Seconds', `${fixed(s.seconds, 3)} (${s.secondsSource === 'run' ? 'run wall clock' : 'sum of block times'})`],
    ['Mgas/s', fixed(s.mgasPerSecond)],
  ]
  if (s.aborts !== undefined) rows.push(['Aborts', int(s.aborts)])
  if (s.reexecutions !== undefined) rows.push(['Re-executions', int(s.reexecutions)])
  const byCheck = Object.entries(s.byCheck).map(([f, t]) => `| ${f} | ${t.match} | ${t.mismatch} | ${t.unchecked} |`)
  return [
    '## Summary', '',
    '| | |', '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...(byCheck.length ? ['| Check | Match | Mismatch | Unchecked |', '|---|--:|--:|--:|', ...byCheck, ''] : []),
  ]
}

/** Column headers and cell functions in one list, so header and rows cannot drift apart. */
export function blockColumns(m: ReportModel): Array<{ header: string; right: boolean; cell: (b: BlockRow) => string }> {
  const c = m.columns
  return [
    { header: 'Block', right: true, cell: (b) => String(b.number) },
    { header: 'Txs', right: true, cell: (b) => String(b.txs) },
    { header: 'Gas', right: true, cell: (b) => int(b.gasUsed) },
    ...c.checks.map((name) => ({ header: name, right: false, cell: (b: BlockRow) => mark(b.checks[name]) })),
    { header: 'Time (ms)', right: true, cell: (b) => ms(b.seconds) },
    { header: 'Mgas/s', right: true, cell: (b) => fixed(b.mgasPerSecond) },
    ...(c.speedup ? [{ header: 'Speedup', right: true, cell: (b: BlockRow) => times(b.speedup) }] : []),
    ...(c.aborts ? [{ header: 'Aborts', right: true, cell: (b: BlockRow) => (b.aborts === undefined ? '—' : String(b.aborts)) }] : []),
    ...(c.criticalPathBound ? [{ header: 'CP bound', right: true, cell: (b: BlockRow) => times(b.criticalPathBound) }] : []),
  ]
}

function blockTable(m: ReportModel): string[] {
  if (m.blocks.length === 0) return ['## Blocks', '', 'No block results were recorded for this run.', '']
  const cols = blockColumns(m)
  return [
    '## Blocks', '',
    `Checks: ${['match', 'mismatch', 'unchecked'].map((s) => `${mark(s)} ${s}`).join(', ')}.`, '',
    `| ${cols.map((c) => mdCell(c.header)).join(' | ')} |`,
    `|${cols.map((c) => (c.right ? '--:' : ':-:')).join('|')}|`,
    ...m.blocks.map((b) => `| ${cols.map((c) => mdCell(c.cell(b))).join(' | ')} |`),
    '',
  ]
}

function mismatchSection(m: ReportModel): string[] {
  if (m.mismatches.length === 0) return ['## Mismatches', '', 'None.', '']
  const code = (s: string | undefined): string => (s ? `\`${mdCell(s)}\`` : '')
  return [
    '## Mismatches', '',
    '| Block | Field | Tx | Account | Slot | Expected | Actual |',
    '|--:|---|--:|---|---|---|---|',
    ...m.mismatches.map((x) =>
      `| ${x.block} | ${mdCell(x.field)}${x.detail ? ` (${mdCell(x.detail)})` : ''} | ${x.tx ?? ''} | ${code(x.account)} | ${code(x.slot)} | ${code(x.expected)} | ${code(x.actual)} |`),
    '',
  ]
}

function uncheckedSection(m: ReportModel): string[] {
  if (m.unchecked.length === 0) return ['## Unchecked', '', 'Every field of every block was checked.', '']
  return [
    '## Unchecked', '',
    '| Field | Reason | Blocks | Which |',
    '|---|---|--:|---|',
    ...m.unchecked.map((g) => `| ${mdCell(g.field)} | ${mdCell(g.reason)} | ${g.count} | ${listBlocks(g.blocks)} |`),
    '',
  ]
}
