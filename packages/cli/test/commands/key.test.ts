import { execFileSync, spawnSync } from 'node:child_process'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EncryptionKeyRing, parseAgeIdentity } from '@harmony-auth/core'
import { FilesystemSecretStore, openTokenStore } from '@harmony-auth/filesystem'
import { CliSandbox } from '../helpers.js'

// util-linux `script` gives the binary a pseudo-terminal.
const hasScript = spawnSync('script', ['--version']).status === 0

describe('harmony-auth key', () => {
  let sandbox: CliSandbox
  let recovery: EncryptionKeyRing

  beforeEach(async () => {
    sandbox = await CliSandbox.create()
    recovery = await EncryptionKeyRing.generate()
    await sandbox.saveToken('machine-token-value-1')
  })

  afterEach(async () => {
    await sandbox.remove()
  })

  async function loadToken() {
    return openTokenStore({ instanceId: sandbox.instanceId, homeDir: sandbox.home, env: {} }).load()
  }

  it('generates a key for RUNBEAM_ENCRYPTION_KEY', async () => {
    const run = await sandbox.run(['key', 'generate'])
    expect(run.code).toBe(0)
    const parsed = await parseAgeIdentity(run.stdout.trim(), 'stdout')
    expect(run.stderr).toContain(parsed.recipient)
    const json = await sandbox.run(['--json', 'key', 'generate'])
    expect(json.json?.result?.recipient).toBe(
      (await parseAgeIdentity(String(json.json?.result?.key), 'json')).recipient,
    )
  })

  it('rotates with a backup first', async () => {
    const before = (await sandbox.run(['--json', 'key', 'status'])).json?.result?.recipient
    const archive = join(sandbox.home, 'backup.age')
    const run = await sandbox.run([
      '--json',
      '--yes',
      'key',
      'rotate',
      '--backup-to',
      archive,
      '--recipient',
      recovery.recipient,
    ])
    expect(run.code).toBe(0)
    expect(run.json).toMatchObject({ ok: true, command: 'key rotate' })
    expect(run.json?.result).toMatchObject({ previousRecipient: before, backup: archive })
    expect(run.json?.result?.recipient).not.toBe(before)
    expect((await stat(archive)).mode & 0o777).toBe(0o600)
    expect((await loadToken())?.machineToken.text()).toBe('machine-token-value-1')
    await sandbox.rememberStoredSecrets()

    const status = await sandbox.run(['--json', 'key', 'status'])
    expect(status.json?.result).toMatchObject({
      recipient: run.json?.result?.recipient,
      previousRecipient: before,
    })
    const retire = await sandbox.run(['--json', '--yes', 'key', 'retire'])
    expect(retire.code).toBe(0)
    expect(retire.json?.result).toMatchObject({ retiredRecipient: before })
    expect((await loadToken())?.machineToken.text()).toBe('machine-token-value-1')
  })

  it('writes nothing in a dry run', async () => {
    const keyBefore = await readFile(join(sandbox.root, 'encryption.key'))
    const tokenBefore = await readFile(join(sandbox.root, 'auth.json'))
    const run = await sandbox.run(['--json', 'key', 'rotate', '--dry-run'])
    expect(run.code).toBe(0)
    expect(run.json?.result).toMatchObject({ dryRun: true, entries: ['filesystem/auth.json'] })
    expect(await readFile(join(sandbox.root, 'encryption.key'))).toEqual(keyBefore)
    expect(await readFile(join(sandbox.root, 'auth.json'))).toEqual(tokenBefore)
  })

  it('exits 3 without --yes and a terminal', async () => {
    const run = await sandbox.run(['--json', 'key', 'rotate', '--no-backup'])
    expect(run.code).toBe(3)
    expect(run.json?.error?.code).toBe('ERR_CLI_NOT_CONFIRMED')
  })

  it('exits 2 without backup recipients', async () => {
    const run = await sandbox.run(['--json', '--yes', 'key', 'rotate'])
    expect(run.code).toBe(2)
    expect(run.json?.error?.code).toBe('ERR_CLI_USAGE')
  })

  it('exits 4 for an undecryptable token', async () => {
    const path = join(sandbox.root, 'auth.json')
    const bytes = await readFile(path)
    bytes[bytes.length - 2]! ^= 0x01
    await writeFile(path, bytes)
    const run = await sandbox.run(['--json', '--yes', 'key', 'rotate', '--no-backup'])
    expect(run.code).toBe(4)
    expect(run.json?.error).toMatchObject({
      code: 'ERR_ROTATION_UNDECRYPTABLE',
      names: ['filesystem/auth.json'],
    })
    expect(await readFile(path)).toEqual(bytes)
  })

  it('exits 5 when nothing is in progress', async () => {
    const resume = await sandbox.run(['--json', 'key', 'resume'])
    expect(resume.code).toBe(5)
    expect(resume.json?.error?.code).toBe('ERR_ROTATION_NOT_IN_PROGRESS')
    const rollback = await sandbox.run(['--json', '--yes', 'key', 'rollback'])
    expect(rollback.code).toBe(5)
  })

  it('retires nothing without a previous key', async () => {
    const run = await sandbox.run(['--json', 'key', 'retire', '--dry-run'])
    expect(run.code).toBe(0)
    expect(run.json?.result).toMatchObject({ dryRun: true, entries: ['filesystem/auth.json'] })
    expect(run.json?.result?.retiredRecipient).toBeUndefined()
  })

  it('backs up to a recipient the age CLI opens', async () => {
    const archive = join(sandbox.home, 'b.age')
    await sandbox.run([
      '--yes',
      'key',
      'rotate',
      '--backup-to',
      archive,
      '--recipient',
      recovery.recipient,
    ])
    const identityFile = join(sandbox.home, 'recovery.txt')
    await writeFile(identityFile, `${recovery.currentIdentity().text()}\n`, { mode: 0o600 })
    const document = JSON.parse(
      execFileSync('age', ['-d', '-i', identityFile, archive]).toString(),
    ) as {
      targets: { name: string }[]
    }
    expect(document.targets.map((target) => target.name)).toEqual(['auth.json'])
  })

  it('rotates to the key in RUNBEAM_ENCRYPTION_KEY', async () => {
    const oldKey = (await EncryptionKeyRing.generate()).toKeyFile().text()
    const newRing = await EncryptionKeyRing.generate()
    const newKey = newRing.toKeyFile().text()
    sandbox.secrets.add(oldKey)
    sandbox.secrets.add(newKey)
    const onOld = openTokenStore({
      instanceId: sandbox.instanceId,
      homeDir: sandbox.home,
      env: { RUNBEAM_ENCRYPTION_KEY: oldKey },
    })
    await onOld.save({
      machineToken: 'env-token',
      expiresAt: '2099-01-01T00:00:00Z',
      gatewayId: 'g',
      gatewayCode: 'c',
    })
    sandbox.secrets.add('env-token')

    const env = { RUNBEAM_ENCRYPTION_KEY: newKey, RUNBEAM_ENCRYPTION_KEY_PREVIOUS: oldKey }
    const run = await sandbox.run(['--json', '--yes', 'key', 'rotate', '--no-backup'], { env })
    expect(run.code).toBe(0)
    expect(run.json?.result?.recipient).toBe(newRing.recipient)
    const onNew = openTokenStore({
      instanceId: sandbox.instanceId,
      homeDir: sandbox.home,
      env: { RUNBEAM_ENCRYPTION_KEY: newKey },
    })
    expect((await onNew.load())?.machineToken.text()).toBe('env-token')

    const retire = await sandbox.run(['--json', '--yes', 'key', 'retire'], { env })
    expect(retire.code).toBe(0)
    expect(retire.json?.result?.manualStep).toContain('RUNBEAM_ENCRYPTION_KEY_PREVIOUS')
  })

  it('exits 130 on SIGINT and resumes', async () => {
    const names = Array.from({ length: 120 }, (_, index) => `t-${index}`)
    const store = new FilesystemSecretStore({ root: sandbox.root })
    const ring = await EncryptionKeyRing.from({
      current: (await store.get('encryption.key')).value,
    })
    for (const name of names) {
      await store.put(name, await ring.encrypt(new TextEncoder().encode(`plain-${name}`)))
    }
    const args = [
      '--yes',
      'key',
      'rotate',
      '--no-backup',
      '--concurrency',
      '1',
      '--token',
      ...names,
    ]
    const run = await sandbox.runInterrupted(args, 're-encrypt: ')
    expect(run.code).toBe(130)
    expect(run.stderr).toContain('aborted')

    const status = await sandbox.run(['--json', 'key', 'status'])
    expect(status.json?.result?.inProgress).toMatchObject({ phase: 're-encrypting' })
    const resume = await sandbox.run(['--json', 'key', 'resume', '--token', ...names])
    expect(resume.code).toBe(0)
    const next = await EncryptionKeyRing.from({
      current: (await store.get('encryption.key')).value,
    })
    expect(next.recipient).toBe(resume.json?.result?.recipient)
    for (const name of names) {
      const plaintext = await next.decrypt((await store.get(name)).value.bytes())
      expect(new TextDecoder().decode(plaintext)).toBe(`plain-${name}`)
    }
  })

  it('rotates a token in the older layout', async () => {
    const store = new FilesystemSecretStore({ root: sandbox.root })
    const legacy = new FilesystemSecretStore({ root: join(sandbox.root, 'runbeam') })
    await legacy.put('auth.json', (await store.get('auth.json')).value)
    await store.delete('auth.json')

    const status = await sandbox.run(['--json', 'token', 'status'])
    expect(status.code).toBe(0)
    const rotate = await sandbox.run(['--json', '--yes', 'key', 'rotate', '--no-backup'])
    expect(rotate.code).toBe(0)
    expect(rotate.json?.result?.entries).toEqual(['filesystem-legacy/auth.json'])
    await sandbox.rememberStoredSecrets()
    const retire = await sandbox.run(['--json', '--yes', 'key', 'retire'])
    expect(retire.code).toBe(0)
    expect((await loadToken())?.machineToken.text()).toBe('machine-token-value-1')
  })

  it.runIf(hasScript)('draws a progress bar on a terminal', async () => {
    const run = await sandbox.runOnTerminal(['--yes', 'key', 'rotate', '--no-backup'], '')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('\r')
    expect(run.stdout).toMatch(/re-encrypt +\[#{24}\] 1\/1/)
  })
})
