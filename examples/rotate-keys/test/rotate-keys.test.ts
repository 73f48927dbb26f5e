import { readFileSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { EncryptionKeyRing } from '@harmony-auth/core'
import { instanceFolder, openTokenStore } from '@harmony-auth/filesystem'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runScript } from '../../demo/src/script-process.js'
import { makeWorkDir } from '../../gateway-node/test/gateway-suite.js'

const entry = resolve(import.meta.dirname, '..', 'src', 'main.ts')
const instanceId = 'rotate-e2e'

describe('rotate-keys script', () => {
  let homeDir: string
  let recoveryRecipient: string

  beforeEach(async () => {
    homeDir = makeWorkDir('rotate-keys')
    recoveryRecipient = (await EncryptionKeyRing.generate()).recipient
    // Runs without RUNBEAM_ENCRYPTION_KEY, so the first save creates encryption.key.
    const store = openTokenStore({ instanceId, homeDir, env: {} })
    await store.save({
      machineToken: 'mt_rotate_e2e_secret_value',
      expiresAt: new Date(Date.now() + 86_400_000),
      gatewayId: 'gw-1',
      gatewayCode: 'edge-1',
    })
  })

  afterEach(() => {
    rmSync(homeDir, { recursive: true, force: true })
  })

  const keyFile = (): string => join(instanceFolder(instanceId, homeDir), 'encryption.key')
  const run = (env: Record<string, string>) =>
    runScript({ entry, env: { INSTANCE_ID: instanceId, HARMONY_HOME_DIR: homeDir, ...env } })

  it('rotates the key and keeps the token', async () => {
    const keyBefore = readFileSync(keyFile())
    const backupPath = join(homeDir, 'backup.age')
    const result = await run({ BACKUP_RECIPIENTS: recoveryRecipient, BACKUP_PATH: backupPath })

    expect(result.code).toBe(0)
    expect(result.output).toContain('rotated 1 entry')
    expect(readFileSync(keyFile()).equals(keyBefore)).toBe(false)
    expect(statSync(backupPath).mode & 0o777).toBe(0o600)
    const token = await openTokenStore({ instanceId, homeDir, env: {} }).load()
    expect(token?.machineToken.text()).toBe('mt_rotate_e2e_secret_value')
    expect(result.output).not.toContain('mt_rotate_e2e_secret_value')
  })

  it('rotates to a key given in the environment', async () => {
    const oldKey = (await EncryptionKeyRing.generate()).currentIdentity().text()
    const newKey = (await EncryptionKeyRing.generate()).currentIdentity().text()
    const envHome = makeWorkDir('rotate-keys-env')
    try {
      const onOld = openTokenStore({
        instanceId,
        homeDir: envHome,
        env: { RUNBEAM_ENCRYPTION_KEY: oldKey },
      })
      await onOld.save({
        machineToken: 'mt_env_rotation_value',
        expiresAt: new Date(Date.now() + 86_400_000),
        gatewayId: 'gw-2',
        gatewayCode: 'edge-2',
      })
      const result = await runScript({
        entry,
        env: {
          INSTANCE_ID: instanceId,
          HARMONY_HOME_DIR: envHome,
          BACKUP: 'off',
          RETIRE_PREVIOUS: 'true',
          RUNBEAM_ENCRYPTION_KEY: newKey,
          RUNBEAM_ENCRYPTION_KEY_PREVIOUS: oldKey,
        },
      })

      expect(result.code).toBe(0)
      expect(result.output).toContain('key: RUNBEAM_ENCRYPTION_KEY')
      expect(result.output).toContain('still to do:')
      const onNew = openTokenStore({
        instanceId,
        homeDir: envHome,
        env: { RUNBEAM_ENCRYPTION_KEY: newKey },
      })
      expect((await onNew.load())?.machineToken.text()).toBe('mt_env_rotation_value')
      expect(result.output).not.toContain(newKey)
      expect(result.output).not.toContain(oldKey)
    } finally {
      rmSync(envHome, { recursive: true, force: true })
    }
  })

  it('writes nothing in a dry run', async () => {
    const keyBefore = readFileSync(keyFile())
    const result = await run({ BACKUP: 'off', DRY_RUN: 'true' })

    expect(result.code).toBe(0)
    expect(result.output).toContain('dry run')
    expect(readFileSync(keyFile()).equals(keyBefore)).toBe(true)
  })

  it('exits 1 without backup recipients', async () => {
    const result = await run({})
    expect(result.code).toBe(1)
    expect(result.output).toContain('BACKUP_RECIPIENTS')
  })

  it('names the available stores for an unknown one', async () => {
    const result = await run({ BACKUP: 'off', SECRET_STORE: 'aws' })
    expect(result.code).toBe(1)
    expect(result.output).toContain('available: filesystem')
  })
})
