/** `parevm demo` end to end: anvil → workload → fetch → parallel replay → verify, exit 0, all matched; the UI in a real 80×24 terminal. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { parevm } from './support/cli.js'
import { BIN } from './support/shared.js'

test('parevm demo --json: exit 0, every block matched', () => {
  const r = parevm(['demo', '--blocks', '8', '--json'])
  assert.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  assert.equal(out.summary.blocks, 8)
  assert.equal(out.summary.matched, 8)
  assert.equal(out.summary.mismatched, 0)
})

const hasTmux = spawnSync('tmux', ['-V']).status === 0

test('parevm demo shows the dashboard in an 80×24 terminal', { skip: hasTmux ? false : 'tmux is not installed' }, async (t) => {
  const session = `parevm-demo-${process.pid}`
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '24', `env -u CI node ${BIN} demo --blocks 8; sleep 30`])
  try {
    let screen = ''
    for (let i = 0; i < 120; i++) {
      await sleep(500)
      screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' })
      if (/done: 8 blocks verified/.test(screen)) break
    }
    t.diagnostic('\n' + screen)
    assert.match(screen, /done: 8 blocks verified/)
    assert.match(screen, /verdicts/)
    assert.match(screen, /0 mismatched/)
    for (const line of screen.split('\n')) assert.ok([...line].length <= 80, `line fits 80 columns: ${line}`)
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session])
  }
})
