import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CliSandbox } from '../helpers.js'

// util-linux `script` gives the binary a pseudo-terminal, so the prompt path can run.
const hasScript = spawnSync('script', ['--version']).status === 0

describe('harmony-auth token', () => {
  let sandbox: CliSandbox

  beforeEach(async () => {
    sandbox = await CliSandbox.create()
  })

  afterEach(async () => {
    await sandbox.remove()
  })

  it('shows metadata and never the token', async () => {
    await sandbox.saveToken('secret-machine-token-xyz')
    const run = await sandbox.run(['--json', 'token', 'status'])
    expect(run.code).toBe(0)
    expect(run.json?.result).toMatchObject({
      present: true,
      valid: true,
      gateway_id: 'gw-id',
      gateway_code: 'gw-code',
      abilities: ['read'],
      expires_at: '2099-01-01T00:00:00.000Z',
    })
    const human = await sandbox.run(['token', 'status'])
    expect(human.stdout).toContain('gateway: gw-code (gw-id)')
  })

  it('exits 6 without a token', async () => {
    const run = await sandbox.run(['--json', 'token', 'status'])
    expect(run.code).toBe(6)
    expect(run.json?.result).toMatchObject({ present: false })
  })

  it('exits 8 for an expired token', async () => {
    await sandbox.saveToken('expired-machine-token', '2001-01-01T00:00:00Z')
    const run = await sandbox.run(['--json', 'token', 'status'])
    expect(run.code).toBe(8)
    expect(run.json?.result).toMatchObject({ present: true, valid: false })
  })

  it('clears only when confirmed', async () => {
    await sandbox.saveToken('machine-token-to-clear')
    const refused = await sandbox.run(['--json', 'token', 'clear'])
    expect(refused.code).toBe(3)
    expect(existsSync(join(sandbox.root, 'auth.json'))).toBe(true)
    const dryRun = await sandbox.run(['--json', 'token', 'clear', '--dry-run'])
    expect(dryRun.code).toBe(0)
    expect(existsSync(join(sandbox.root, 'auth.json'))).toBe(true)
    const cleared = await sandbox.run(['--json', '--yes', 'token', 'clear'])
    expect(cleared.code).toBe(0)
    expect(existsSync(join(sandbox.root, 'auth.json'))).toBe(false)
  })

  it.runIf(hasScript)('asks on a terminal', async () => {
    await sandbox.saveToken('machine-token-on-terminal')
    const declined = await sandbox.runOnTerminal(['token', 'clear'], 'no')
    expect(declined.code).toBe(3)
    expect(declined.stdout).toContain('Not confirmed')
    expect(existsSync(join(sandbox.root, 'auth.json'))).toBe(true)
    const accepted = await sandbox.runOnTerminal(['token', 'clear'], 'yes')
    expect(accepted.code).toBe(0)
    expect(existsSync(join(sandbox.root, 'auth.json'))).toBe(false)
  })

  it.runIf(hasScript)('stops on Ctrl-C at the prompt', async () => {
    await sandbox.saveToken('machine-token-ctrl-c')
    const interrupted = await sandbox.runOnTerminal(['token', 'clear'], '\u0003')
    expect(interrupted.code).toBe(3)
    expect(interrupted.stdout).toContain('Not confirmed')
    expect(existsSync(join(sandbox.root, 'auth.json'))).toBe(true)
  })
})
