import { existsSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeWorkDir } from '../../gateway-node/test/gateway-suite.js'
import { runScript } from '../src/script-process.js'

const entry = resolve(import.meta.dirname, '..', 'src', 'main.ts')

describe('demo', () => {
  const workDir = makeWorkDir('demo')

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true })
  })

  it('passes every step and exits 0', async () => {
    const result = await runScript({ entry, env: {}, cwd: workDir, timeoutMs: 90_000 })
    expect(result.output).toContain('demo passed: 11 steps')
    expect(result.code).toBe(0)
  })

  it('keeps its files under ./tmp of the working folder', () => {
    expect(existsSync(join(workDir, 'tmp', 'demo', 'home', '.runbeam', 'demo-gateway'))).toBe(true)
    expect(existsSync(join(workDir, 'tmp', 'demo', 'backups', 'before-rotation.age'))).toBe(true)
  })
})
