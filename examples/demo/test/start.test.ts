import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeWorkDir } from '../../gateway-node/test/gateway-suite.js'
import { nodeArguments } from '../src/gateway-process.js'

const entry = resolve(import.meta.dirname, '..', 'src', 'start.ts')

/** Collects the child's stdout until `pattern` appears, or fails after `timeoutMs`. */
function waitForOutput(
  child: ReturnType<typeof spawn>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = ''
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in output:\n${output}`)),
      timeoutMs,
    )
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      if (pattern.test(output)) {
        clearTimeout(timer)
        resolvePromise(output)
      }
    })
  })
}

describe('npm start launcher', () => {
  const workDir = makeWorkDir('start')

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true })
  })

  it('prints working tokens and stops on SIGINT', async () => {
    const child = spawn(process.execPath, nodeArguments(entry), {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '', TRAFFIC_PORT: '0', MANAGEMENT_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((done) => child.once('exit', done))
    try {
      const output = await waitForOutput(child, /curl -i (http:\S+\/admin\/token)/, 30_000)
      const token = /TOKEN='([^']+)'/.exec(output)?.[1]
      const trafficUrl = /curl -i (http:\/\/127\.0\.0\.1:\d+)\/orders/.exec(output)?.[1]
      expect(token).toBeDefined()
      expect(trafficUrl).toBeDefined()

      const response = await fetch(`${trafficUrl}/orders`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(200)
      expect(((await response.json()) as { subject: string }).subject).toBe('manual-client')
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
  })
})
