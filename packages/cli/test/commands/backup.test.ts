import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EncryptionKeyRing } from '@harmony-auth/core'
import { openTokenStore } from '@harmony-auth/filesystem'
import { CliSandbox } from '../helpers.js'

describe('harmony-auth backup', () => {
  let sandbox: CliSandbox
  let recovery: EncryptionKeyRing
  let identityFile: string
  let archive: string

  beforeEach(async () => {
    sandbox = await CliSandbox.create()
    recovery = await EncryptionKeyRing.generate()
    identityFile = join(sandbox.home, 'recovery.txt')
    archive = join(sandbox.home, 'backup.age')
    await writeFile(
      identityFile,
      `# created: 2026-01-01T00:00:00Z\n# public key: ${recovery.recipient}\n${recovery.currentIdentity().text()}\n`,
      { mode: 0o600 },
    )
    sandbox.secrets.add(recovery.currentIdentity().text())
    await sandbox.saveToken('machine-token-before')
  })

  afterEach(async () => {
    await sandbox.remove()
  })

  async function loadToken() {
    return openTokenStore({ instanceId: sandbox.instanceId, homeDir: sandbox.home, env: {} }).load()
  }

  it('creates and restores an archive', async () => {
    const created = await sandbox.run([
      '--json',
      'backup',
      'create',
      '--to',
      archive,
      '--recipient',
      recovery.recipient,
    ])
    expect(created.code).toBe(0)
    expect(created.json?.result).toMatchObject({ path: archive, entries: ['filesystem/auth.json'] })

    await sandbox.saveToken('machine-token-after')
    const plan = await sandbox.run([
      '--json',
      'backup',
      'restore',
      '--from',
      archive,
      '--identity-file',
      identityFile,
      '--dry-run',
    ])
    expect(plan.code).toBe(0)
    expect(plan.json?.result).toMatchObject({
      dryRun: true,
      key: { action: 'unchanged' },
      entries: [{ entry: 'filesystem/auth.json', action: 'replace' }],
    })
    expect((await loadToken())?.machineToken.text()).toBe('machine-token-after')

    const refused = await sandbox.run([
      '--json',
      'backup',
      'restore',
      '--from',
      archive,
      '--identity-file',
      identityFile,
    ])
    expect(refused.code).toBe(3)
    expect((await loadToken())?.machineToken.text()).toBe('machine-token-after')

    const restored = await sandbox.run([
      '--json',
      '--yes',
      'backup',
      'restore',
      '--from',
      archive,
      '--identity-file',
      identityFile,
    ])
    expect(restored.code).toBe(0)
    expect((await loadToken())?.machineToken.text()).toBe('machine-token-before')
  })

  it('exits 4 for a wrong identity', async () => {
    await sandbox.run(['backup', 'create', '--to', archive, '--recipient', recovery.recipient])
    const wrong = await EncryptionKeyRing.generate()
    const wrongFile = join(sandbox.home, 'wrong.txt')
    await writeFile(wrongFile, wrong.currentIdentity().text(), { mode: 0o600 })
    sandbox.secrets.add(wrong.currentIdentity().text())
    const tokenBefore = await readFile(join(sandbox.root, 'auth.json'))
    const run = await sandbox.run([
      '--json',
      '--yes',
      'backup',
      'restore',
      '--from',
      archive,
      '--identity-file',
      wrongFile,
    ])
    expect(run.code).toBe(4)
    expect(run.json?.error?.code).toBe('ERR_BACKUP_DECRYPT_FAILED')
    expect(await readFile(join(sandbox.root, 'auth.json'))).toEqual(tokenBefore)
  })

  it('exits 2 without a recipient', async () => {
    const run = await sandbox.run(['--json', 'backup', 'create', '--to', archive])
    expect(run.code).toBe(2)
  })

  it('reads recipients from the environment', async () => {
    const run = await sandbox.run(['--json', 'backup', 'create', '--to', archive], {
      env: { HARMONY_AUTH_BACKUP_RECIPIENTS: recovery.recipient },
    })
    expect(run.code).toBe(0)
    const again = await sandbox.run(['--json', 'backup', 'create', '--to', archive], {
      env: { HARMONY_AUTH_BACKUP_RECIPIENTS: recovery.recipient },
    })
    expect(again.code).toBe(4)
    expect(again.json?.error?.code).toBe('ERR_SECRET_CONFLICT')
  })
})
