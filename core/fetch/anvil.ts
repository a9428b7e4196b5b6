/**
 * Start and stop a local anvil node (npm `@foundry-rs/anvil`) for tests, demos and benchmarks.
 *
 * The npm package `@foundry-rs/anvil` is only a JS wrapper; the real binary ships in a
 * per-platform optional dependency (`@foundry-rs/anvil-<os>-<arch>/bin/anvil`). We spawn that
 * binary directly, so the child pid is anvil itself (no wrapper process to leak).
 *
 * anvil always binds to 127.0.0.1 with `--port 0`; the chosen port is parsed from its
 * `Listening on 127.0.0.1:PORT` line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

const HOST = '127.0.0.1'
const TAIL_BYTES = 8192
const DEFAULT_START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 3_000
const STOP_KILL_MS = 3_000

export interface AnvilOptions {
  /** anvil hardfork name, e.g. "london", "shanghai", "cancun", "prague" (default: anvil's latest). */
  hardfork?: string
  /** Default 31337 (anvil's own default). */
  chainId?: number
  /** Number of unlocked, funded dev accounts (anvil default 10). */
  accounts?: number
  /** Balance of each dev account, in whole ether (anvil default 10000). */
  balanceEther?: number
  /** Base fee of the first block, in wei. */
  blockBaseFeePerGas?: bigint | number
  /** Block gas limit (anvil default 30,000,000). */
  gasLimit?: bigint | number
  /** Genesis timestamp (seconds). Fixing it makes block hashes repeatable across runs. */
  genesisTimestamp?: number
  /**
   * Mempool ordering. Default "fifo": transactions land in a block in submission order, which
   * the workload generator relies on (anvil's own default, "fees", reorders by tip).
   */
  order?: 'fifo' | 'fees'
  /** Extra CLI arguments; must not change the host/port or point anvil at a remote node. */
  extraArgs?: string[]
  /** Give up if anvil has not printed its listening line by then. */
  startTimeoutMs?: number
  /** Override the binary (else $PAREVM_ANVIL_BIN, else the npm platform package). */
  binaryPath?: string
}

export interface AnvilNode {
  /** http://127.0.0.1:PORT */
  url: string
  port: number
  pid: number
  /** Last bytes anvil wrote to stdout/stderr (diagnostics). */
  logTail(): string
  /** Kill anvil's process group and wait for it to exit. Idempotent. */
  stop(): Promise<void>
}

/** anvil could not be located on disk. */
export class AnvilNotFoundError extends Error {
  override name = 'AnvilNotFoundError'
}

/** Options that would make anvil leave 127.0.0.1 or otherwise break our contract. */
export class AnvilOptionsError extends Error {
  override name = 'AnvilOptionsError'
}

/** anvil exited, failed to spawn or hung before it was listening. */
export class AnvilStartError extends Error {
  override name = 'AnvilStartError'
  constructor(
    message: string,
    readonly logTail: string,
    readonly exitCode: number | null = null,
    readonly signal: NodeJS.Signals | null = null,
  ) {
    super(logTail ? `${message}\n--- anvil output (tail) ---\n${logTail}` : message)
  }
}

/** npm platform package suffix for this machine, as `@foundry-rs/anvil-*` names them. */
export function anvilPlatformPackage(platform: string = process.platform, arch: string = process.arch): string | undefined {
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined
  if (!cpu) return undefined
  if (platform === 'linux' || platform === 'darwin') return `@foundry-rs/anvil-${platform}-${cpu}`
  if (platform === 'win32' && cpu === 'amd64') return '@foundry-rs/anvil-win32-amd64'
  return undefined
}

/** Absolute path of the anvil binary. */
export function anvilBinaryPath(override?: string): string {
  const explicit = override ?? process.env.PAREVM_ANVIL_BIN
  if (explicit) {
    if (!existsSync(explicit)) throw new AnvilNotFoundError(`anvil binary not found at ${explicit}`)
    return explicit
  }
  const pkg = anvilPlatformPackage()
  if (!pkg) throw new AnvilNotFoundError(`no @foundry-rs/anvil build for ${process.platform}/${process.arch}`)
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil'
  try {
    // Resolve from this module, so it works from dist/ and from the source tree alike.
    const path = createRequire(import.meta.url).resolve(`${pkg}/bin/${exe}`)
    if (existsSync(path)) return path
  } catch {
    // fall through to the error below
  }
  throw new AnvilNotFoundError(
    `${pkg}/bin/${exe} is not installed (it is an optional dependency of @foundry-rs/anvil; ` +
      `reinstall with optional dependencies enabled, or set PAREVM_ANVIL_BIN)`,
  )
}

/** Flags that would bind elsewhere or make anvil talk to another node. */
const FORBIDDEN_FLAGS = ['--host', '--port', '-p', '--fork-url', '-f', '--rpc-url', '--ipc', '--ipcpath']

/** Command line for anvil; pure. */
export function anvilArgs(opts: AnvilOptions = {}): string[] {
  for (const arg of opts.extraArgs ?? []) {
    const flag = arg.split('=')[0]!
    // Also catch short flags with the value attached ("-p8545", "-fhttp://…").
    if (FORBIDDEN_FLAGS.includes(flag) || /^-[pf][^-]/.test(arg)) {
      throw new AnvilOptionsError(`extraArgs may not contain ${flag}: anvil must stay on ${HOST} with --port 0`)
    }
  }
  const args = ['--host', HOST, '--port', '0', '--order', opts.order ?? 'fifo']
  if (opts.hardfork !== undefined) args.push('--hardfork', opts.hardfork)
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId))
  if (opts.accounts !== undefined) args.push('--accounts', String(opts.accounts))
  if (opts.balanceEther !== undefined) args.push('--balance', String(opts.balanceEther))
  if (opts.blockBaseFeePerGas !== undefined) args.push('--block-base-fee-per-gas', String(opts.blockBaseFeePerGas))
  if (opts.gasLimit !== undefined) args.push('--gas-limit', String(opts.gasLimit))
  if (opts.genesisTimestamp !== undefined) args.push('--timestamp', String(opts.genesisTimestamp))
  return [...args, ...(opts.extraArgs ?? [])]
}

/** Port from anvil's `Listening on 127.0.0.1:PORT` line, if the text contains it. */
export function parseListeningPort(text: string): number | undefined {
  const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(text)
  if (!m) return undefined
  const port = Number(m[1])
  return port > 0 && port < 65536 ? port : undefined
}

/** Bounded log buffer: anvil logs every RPC call, keep only the end. */
class Tail {
  private text = ''
  push(chunk: string): void {
    this.text += chunk
    if (this.text.length > TAIL_BYTES * 2) this.text = this.text.slice(-TAIL_BYTES)
  }
  get(): string {
    return this.text.slice(-TAIL_BYTES).trimEnd()
  }
}

/** Signal anvil's whole process group (it is the group leader, spawned detached). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    if (process.platform === 'win32') child.kill(signal)
    else process.kill(-child.pid, signal)
  } catch {
    // ESRCH: already gone
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves true once the child has exited, false after `ms`. */
function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, ms)
    const onExit = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

/** Live nodes, killed synchronously if this process exits without stopping them. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL')
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  try {
    // pid undefined = spawn itself failed; nothing to kill.
    if (child.pid === undefined || hasExited(child)) return
    killGroup(child, 'SIGTERM')
    if (await waitExit(child, STOP_GRACE_MS)) return
    killGroup(child, 'SIGKILL')
    if (!(await waitExit(child, STOP_KILL_MS))) {
      throw new Error(`anvil (pid ${child.pid}) did not exit after SIGKILL`)
    }
  } finally {
    // Output may still be buffered; stop reading so the pipes do not keep the loop alive.
    child.stdout?.destroy()
    child.stderr?.destroy()
    live.delete(child)
  }
}

/** Spawn anvil on 127.0.0.1 (random free port) and wait until it accepts connections. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilNode> {
  const bin = anvilBinaryPath(opts.binaryPath)
  const args = anvilArgs(opts)
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
  const tail = new Tail()

  // detached: anvil leads its own process group, so stop() can kill the group as a whole.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  installExitHook()
  live.add(child)
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  // Keep draining both pipes for the node's lifetime: anvil logs every call and would block
  // on a full pipe.
  child.stderr!.on('data', (s: string) => tail.push(s))

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => (stopping ??= stopChild(child))

  const port = await new Promise<number>((resolve, reject) => {
    let seen = ''
    const fail = (message: string, code: number | null = null, signal: NodeJS.Signals | null = null): void => {
      cleanup()
      reject(new AnvilStartError(message, tail.get(), code, signal))
    }
    const onData = (s: string): void => {
      seen = (seen + s).slice(-512)
      const p = parseListeningPort(seen)
      if (p !== undefined) {
        cleanup()
        resolve(p)
      }
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`anvil exited before listening (code ${code}, signal ${signal}); args: ${args.join(' ')}`, code, signal)
    const onError = (err: Error): void => fail(`could not spawn anvil at ${bin}: ${err.message}`)
    const timer = setTimeout(
      () => fail(`anvil did not print "Listening on ${HOST}:PORT" within ${timeoutMs} ms; args: ${args.join(' ')}`),
      timeoutMs,
    )
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.off('close', onExit)
      child.off('error', onError)
    }
    child.stdout!.on('data', (s: string) => tail.push(s))
    child.stdout!.on('data', onData)
    // 'close' (not 'exit'): fires after stderr is drained, so the error carries anvil's message.
    child.once('close', onExit)
    child.once('error', onError)
  }).catch(async (err: unknown) => {
    await stop().catch(() => undefined)
    throw err
  })

  // A dead child must not leave an unhandled 'error' event behind.
  child.on('error', (err) => tail.push(`\n[spawn error] ${err.message}\n`))

  return {
    url: `http://${HOST}:${port}`,
    port,
    pid: child.pid!,
    logTail: () => tail.get(),
    stop,
  }
}

/** Run `fn` against a fresh anvil and always stop it afterwards. */
export async function withAnvil<T>(opts: AnvilOptions, fn: (node: AnvilNode) => Promise<T>): Promise<T> {
  const node = await startAnvil(opts)
  try {
    return await fn(node)
  } finally {
    await node.stop()
  }
}
