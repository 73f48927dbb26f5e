import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EncryptionKeyRing, KeyRotator } from '@harmony-auth/core'
import { MemorySecretStore } from '@harmony-auth/testing'
import { encryptBackup } from '../../src/rotation/backup-archive.js'
import { Secret } from '../../src/secrets/secret.js'
import {
  KEY_NAME,
  decryptCurrent,
  seedStore,
  snapshotStores,
  tokenNames,
  tokenPlaintext,
} from './fixtures.js'

const NAMES = tokenNames(5)
const decoder = new TextDecoder()

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('KeyRotator backup and restore', () => {
  let folder: string
  let store: MemorySecretStore
  let ring: EncryptionKeyRing
  let recovery: EncryptionKeyRing
  let rotator: KeyRotator
  let archive: string
  const snapshot = () => snapshotStores(store, store, NAMES)

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'harmony-backup-'))
    store = new MemorySecretStore()
    ring = await seedStore(store, store, NAMES)
    recovery = await EncryptionKeyRing.generate()
    rotator = new KeyRotator({ key: { store }, targets: [{ store, names: NAMES }] })
    archive = join(folder, 'backup.age')
  })

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  it('writes a mode 0600 archive', async () => {
    const report = await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    expect(report.entries).toHaveLength(5)
    expect(report.keyRecipients).toEqual([ring.recipient])
    expect((await stat(archive)).mode & 0o777).toBe(0o600)
    expect(report.bytes).toBe((await stat(archive)).size)
  })

  it('opens with the age CLI', async () => {
    await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    const identityFile = join(folder, 'recovery.txt')
    await writeFile(identityFile, `${recovery.currentIdentity().text()}\n`, { mode: 0o600 })
    const plaintext = execFileSync('age', ['-d', '-i', identityFile, archive]).toString()
    const document = JSON.parse(plaintext) as { format: string; targets: unknown[] }
    expect(document.format).toBe('harmony-auth-backup')
    expect(document.targets).toHaveLength(5)
  })

  it('never overwrites an existing file', async () => {
    await writeFile(archive, 'keep me')
    const error = await failureOf(rotator.backup({ to: archive, recipients: [recovery.recipient] }))
    expect(error).toMatchObject({ code: 'ERR_SECRET_CONFLICT' })
    expect(await readFile(archive, 'utf8')).toBe('keep me')
  })

  it('rejects the backed-up key as recipient', async () => {
    const error = await failureOf(rotator.backup({ to: archive, recipients: [ring.recipient] }))
    expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID' })
    await expect(stat(archive)).rejects.toThrow()
  })

  it('restores tokens after a rotation', async () => {
    await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    await rotator.rotateEncryptionKey({ backup: false })
    await store.put('token-01', await ring.encrypt(tokenPlaintext('token-01', 9)))
    await store.delete('token-02')

    const plan = await rotator.restore({
      from: archive,
      identity: recovery.currentIdentity(),
      dryRun: true,
    })
    expect(plan.key.action).toBe('replace')
    expect(plan.entries.find((e) => e.entry === 'memory/token-02')?.action).toBe('create')
    expect(plan.entries.find((e) => e.entry === 'memory/token-01')?.action).toBe('replace')

    const report = await rotator.restore({ from: archive, identity: recovery.currentIdentity() })
    expect(report.key.recipient).toBe(ring.recipient)
    for (const name of NAMES) {
      expect(await decryptCurrent(store, name, ring)).toBe(decoder.decode(tokenPlaintext(name)))
    }
    const again = await rotator.restore({ from: archive, identity: recovery.currentIdentity() })
    expect(again.key.action).toBe('unchanged')
    expect(again.entries.every((e) => e.action === 'unchanged')).toBe(true)
  })

  it('writes nothing in a restore dry run', async () => {
    await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    await rotator.rotateEncryptionKey({ backup: false })
    const before = await snapshot()
    await rotator.restore({ from: archive, identity: recovery.currentIdentity(), dryRun: true })
    expect(await snapshot()).toEqual(before)
  })

  it('rejects a wrong identity', async () => {
    await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    await rotator.rotateEncryptionKey({ backup: false })
    const before = await snapshot()
    const wrong = await EncryptionKeyRing.generate()
    const error = await failureOf(
      rotator.restore({ from: archive, identity: wrong.currentIdentity() }),
    )
    expect(error).toMatchObject({ code: 'ERR_BACKUP_DECRYPT_FAILED' })
    expect(await snapshot()).toEqual(before)
  })

  it('rejects tokens whose key is absent', async () => {
    // An archive whose key is not the one its token was encrypted to.
    const stranger = await EncryptionKeyRing.generate()
    const bytes = await encryptBackup(
      {
        createdAt: new Date('2026-01-01T00:00:00Z'),
        key: {
          provider: 'memory',
          name: KEY_NAME,
          current: {
            value: new Secret(stranger.toKeyFile().bytes()),
            recipient: stranger.recipient,
          },
        },
        targets: [
          {
            store: 0,
            provider: 'memory',
            name: 'token-00',
            ciphertext: await (await EncryptionKeyRing.generate()).encrypt(tokenPlaintext('x')),
          },
        ],
      },
      [recovery.recipient],
    )
    await writeFile(archive, bytes, { mode: 0o600 })
    const before = await snapshot()
    const error = await failureOf(
      rotator.restore({ from: archive, identity: recovery.currentIdentity() }),
    )
    expect(error).toMatchObject({
      code: 'ERR_BACKUP_MISMATCH',
      details: { names: ['memory/token-00'] },
    })
    expect(await snapshot()).toEqual(before)
  })

  it('rejects an archive of another store', async () => {
    await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    const other = new MemorySecretStore()
    await seedStore(other, other, NAMES)
    const otherRotator = new KeyRotator({
      key: { store: other },
      targets: [{ store: other, names: ['auth.json'] }],
    })
    const before = await snapshotStores(other, other, NAMES)
    const error = await failureOf(
      otherRotator.restore({ from: archive, identity: recovery.currentIdentity() }),
    )
    expect(error).toMatchObject({ code: 'ERR_BACKUP_MISMATCH' })
    expect(await snapshotStores(other, other, NAMES)).toEqual(before)
  })

  it('rejects a damaged archive', async () => {
    await rotator.backup({ to: archive, recipients: [recovery.recipient] })
    const bytes = await readFile(archive)
    bytes[bytes.length - 3]! ^= 0xff
    await writeFile(archive, bytes)
    const before = await snapshot()
    const error = await failureOf(
      rotator.restore({ from: archive, identity: recovery.currentIdentity() }),
    )
    expect(error).toMatchObject({ code: 'ERR_BACKUP_DECRYPT_FAILED' })
    expect(await snapshot()).toEqual(before)
  })

  it('rotates with a backup first', async () => {
    const report = await rotator.rotateEncryptionKey({
      backup: { to: archive, recipients: [recovery.recipient] },
    })
    expect(report.backup).toBe(archive)
    const plan = await rotator.restore({
      from: archive,
      identity: recovery.currentIdentity(),
      dryRun: true,
    })
    expect(plan.key.recipient).toBe(report.previousRecipient)
  })

  it('requires the backup option', async () => {
    const error = await failureOf(
      rotator.rotateEncryptionKey({} as Parameters<KeyRotator['rotateEncryptionKey']>[0]),
    )
    expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID' })
  })
})
