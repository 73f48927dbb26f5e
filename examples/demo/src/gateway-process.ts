import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/** Options of {@link spawnGateway}. */
export interface SpawnGatewayOptions {
  /** Absolute path of the entry point: TypeScript runs through tsx, `.cjs` runs on plain Node. */
  entry: string
  /** Environment of the child, on top of PATH and NODE_ENV of this process. */
  env: Record<string, string>
  /** Time allowed for both ports to start listening, in milliseconds. Default 30000. */
  startTimeoutMs?: number
  /** Receives every log record of the child as it arrives. */
  onLog?: (record: LogRecord) => void
}

/** One pino log line of the gateway, parsed. */
export interface LogRecord {
  level: number
  msg?: string
  port?: number
  [field: string]: unknown
}

/** A gateway running as a child process. */
export interface GatewayProcess {
  readonly child: ChildProcess
  /** `http://127.0.0.1:<port>` of the traffic port. */
  readonly trafficUrl: string
  /** `http://127.0.0.1:<port>` of the management port. */
  readonly managementUrl: string
  /** Every log record so far, oldest first. */
  readonly logs: readonly LogRecord[]
  /** Sends SIGTERM, waits for the exit (SIGKILL after 10 s) and returns the exit code. */
  stop(): Promise<number | null>
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Returns the Node.js arguments that run `entry`. */
export function nodeArguments(entry: string): string[] {
  return entry.endsWith('.cjs') ? [entry] : ['--import', tsxLoader, entry]
}

/**
 * Starts a gateway example and resolves once its traffic and management ports both listen. The
 * ports come from its `traffic port listening` and `management port listening` log lines, so the
 * example can be started on port 0.
 *
 * @throws Error when the child exits or times out before both ports listen; the child is stopped.
 */
export async function spawnGateway(options: SpawnGatewayOptions): Promise<GatewayProcess> {
  const child = spawn(process.execPath, nodeArguments(options.entry), {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: process.env.NODE_ENV ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: LogRecord[] = []
  const output: string[] = []
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )

  const ready = new Promise<{ traffic: number; management: number }>((resolve, reject) => {
    const ports: { traffic?: number; management?: number } = {}
    readLines(child, output, (record) => {
      logs.push(record)
      options.onLog?.(record)
      if (record.msg === 'traffic port listening') ports.traffic = record.port
      if (record.msg === 'management port listening') ports.management = record.port
      if (ports.traffic !== undefined && ports.management !== undefined) {
        resolve({ traffic: ports.traffic, management: ports.management })
      }
    })
    void exited.then((code) => reject(new Error(exitMessage(code, output))))
  })
  // A child that exits after the start timeout rejects `ready` once more, which nobody awaits.
  ready.catch(() => undefined)

  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const code = await exited
    clearTimeout(timer)
    return code
  }

  const timeoutMs = options.startTimeoutMs ?? 30_000
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`gateway did not listen within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  try {
    const ports = await Promise.race([ready, timeout])
    return {
      child,
      trafficUrl: `http://127.0.0.1:${ports.traffic}`,
      managementUrl: `http://127.0.0.1:${ports.management}`,
      logs,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** Parses the child's stdout as pino JSON lines and keeps the raw text of both streams. */
function readLines(child: ChildProcess, output: string[], onRecord: (record: LogRecord) => void) {
  let buffered = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      output.push(line)
      const record = parseRecord(line)
      if (record !== undefined) onRecord(record)
    }
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
}

function parseRecord(line: string): LogRecord | undefined {
  try {
    const value = JSON.parse(line) as unknown
    return typeof value === 'object' && value !== null ? (value as LogRecord) : undefined
  } catch {
    return undefined
  }
}

function exitMessage(code: number | null, output: readonly string[]): string {
  const tail = output.slice(-20).join('\n')
  return `gateway exited with code ${code} before it listened\n${tail}`
}
