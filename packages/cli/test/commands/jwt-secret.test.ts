import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CliSandbox } from '../helpers.js'

describe('harmony-auth jwt-secret', () => {
  let sandbox: CliSandbox

  beforeEach(async () => {
    sandbox = await CliSandbox.create()
  })

  afterEach(async () => {
    await sandbox.remove()
  })

  it('rotates and keeps the previous secret', async () => {
    const first = await sandbox.run(['--json', '--yes', 'jwt-secret', 'rotate'])
    expect(first.code).toBe(0)
    expect(first.json?.result).toMatchObject({
      name: 'jwt-secret',
      stage: 'current',
      hadCurrent: false,
    })
    await sandbox.rememberStoredSecrets()
    const current = await readFile(join(sandbox.root, 'jwt-secret'), 'utf8')
    expect(current.length).toBeGreaterThanOrEqual(43)

    const second = await sandbox.run(['--json', '--yes', 'jwt-secret', 'rotate', '--bytes', '48'])
    expect(second.code).toBe(0)
    await sandbox.rememberStoredSecrets()
    expect(await readFile(join(sandbox.root, 'jwt-secret~previous'), 'utf8')).toBe(current)
  })

  it('stages and then promotes', async () => {
    const staged = await sandbox.run(['--json', '--yes', 'jwt-secret', 'rotate', '--no-promote'])
    expect(staged.json?.result).toMatchObject({ stage: 'pending' })
    await sandbox.rememberStoredSecrets()
    const again = await sandbox.run(['--json', '--yes', 'jwt-secret', 'rotate'])
    expect(again.code).toBe(5)
    const promoted = await sandbox.run([
      '--json',
      '--yes',
      'jwt-secret',
      'rotate',
      '--promote-pending',
    ])
    expect(promoted.code).toBe(0)
    await sandbox.rememberStoredSecrets()
  })

  it('exits 2 for fewer than 32 bytes', async () => {
    const run = await sandbox.run(['--json', '--yes', 'jwt-secret', 'rotate', '--bytes', '16'])
    expect(run.code).toBe(2)
  })

  it.each(['encryption.key', 'auth.json', 'encryption.key.rotation'])(
    'exits 2 for the name %s',
    async (name) => {
      await sandbox.saveToken('machine-token-kept')
      const key = await readFile(join(sandbox.root, 'encryption.key'))
      const token = await readFile(join(sandbox.root, 'auth.json'))

      const run = await sandbox.run(['--json', '--yes', 'jwt-secret', 'rotate', '--name', name])
      expect(run.code).toBe(2)
      expect(run.json).toMatchObject({ ok: false, error: { code: 'ERR_CLI_USAGE' } })
      expect(await readFile(join(sandbox.root, 'encryption.key'))).toEqual(key)
      expect(await readFile(join(sandbox.root, 'auth.json'))).toEqual(token)
    },
  )
})
