import type { Readable, Writable } from 'node:stream'

/** The streams and environment a command runs with; tests replace them. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean }
  stderr: Writable & { isTTY?: boolean; columns?: number }
  stdin: Readable & { isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

/** Returns the streams and environment of the current process. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }
}

/**
 * Writes a command result to stdout: with `--json` one JSON object `{ ok: true, command, result }`
 * on one line, otherwise the human lines.
 */
export function printResult(
  io: CliIo,
  json: boolean,
  command: string,
  result: object,
  human: readonly string[],
): void {
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok: true, command, result })}\n`)
    return
  }
  for (const line of human) io.stdout.write(`${line}\n`)
}
