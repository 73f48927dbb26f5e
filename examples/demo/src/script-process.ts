import { spawn } from 'node:child_process'
import { nodeArguments } from './gateway-process.js'

/** Options of {@link runScript}. */
export interface RunScriptOptions {
  /** Absolute path of the entry point: TypeScript runs through tsx, `.cjs` runs on plain Node. */
  entry: string
  /** Environment of the child, on top of PATH and NODE_ENV of this process. */
  env: Record<string, string>
  /** Working folder of the child. Default: this process's working folder. */
  cwd?: string
  /** Time the script may run before it is killed, in milliseconds. Default 60000. */
  timeoutMs?: number
}

/** The outcome of {@link runScript}. */
export interface ScriptResult {
  /** Exit code, or `null` when the script was killed. */
  code: number | null
  /** stdout and stderr, interleaved as they arrived. */
  output: string
}

/** Runs a TypeScript example script to its end and collects its output. */
export function runScript(options: RunScriptOptions): Promise<ScriptResult> {
  const child = spawn(process.execPath, nodeArguments(options.entry), {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: process.env.NODE_ENV ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)

  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}
