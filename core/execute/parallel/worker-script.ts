/**
 * Worker threads run compiled JavaScript: a module's sibling `.js` when running from dist/,
 * else the same path under dist/ (running from sources through a TypeScript loader).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join, relative, sep } from 'node:path'

export class WorkerScriptMissingError extends Error {
  override name = 'WorkerScriptMissingError'
}

/** `file`: the worker module's path relative to the calling module (e.g. "./exec-worker.js"). */
export function compiledWorkerUrl(file: string, callerUrl: string): URL {
  const callerPath = fileURLToPath(callerUrl)
  const direct = join(dirname(callerPath), file)
  if (callerPath.endsWith('.js') && existsSync(direct)) return pathToFileURL(direct)
  const marker = `${sep}core${sep}`
  const at = callerPath.lastIndexOf(marker)
  if (at >= 0) {
    const root = callerPath.slice(0, at)
    const inDist = join(root, 'dist', relative(root, direct))
    if (existsSync(inDist)) return pathToFileURL(inDist)
  }
  throw new WorkerScriptMissingError(`worker script ${file} not found next to ${callerPath} nor under dist/: build first (npx tsc -p tsconfig.json)`)
}
