import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EncryptionKeyRing, KeyRotator } from '@harmony-auth/core'
import { MemorySecretStore } from '@harmony-auth/testing'
import {
  decryptCurrent,
  readStage,
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

describe('KeyRotator with the key in the environment', () => {
  let store: MemorySecretStore
  let oldRing: EncryptionKeyRing
  let newRing: EncryptionKeyRing
  let env: NodeJS.ProcessEnv
  let rotator: KeyRotator
  const snapshot = () => snapshotStores(store, store, NAMES)

  beforeEach(async () => {
    store = new MemorySecretStore()
    oldRing = await EncryptionKeyRing.generate()
    newRing = await EncryptionKeyRing.generate()
    for (const name of NAMES) await store.put(name, await oldRing.encrypt(tokenPlaintext(name)))
    env = {
      RUNBEAM_ENCRYPTION_KEY: newRing.toKeyFile().text(),
      RUNBEAM_ENCRYPTION_KEY_PREVIOUS: oldRing.currentIdentity().text(),
    }
    rotator = new KeyRotator({ key: { environment: env }, targets: [{ store, names: NAMES }] })
  })

  it('re-encrypts every token to the new key', async () => {
    const report = await rotator.rotateEncryptionKey({ backup: false })
    expect(report.recipient).toBe(newRing.recipient)
    expect(report.previousRecipient).toBe(oldRing.recipient)
    for (const name of NAMES) {
      expect(await decryptCurrent(store, name, newRing)).toBe(decoder.decode(tokenPlaintext(name)))
    }
    expect(await store.list()).toEqual(NAMES)
    expect(await rotator.status()).toEqual({
      recipient: newRing.recipient,
      previousRecipient: oldRing.recipient,
    })
  })

  it('reads a wrapped base64 previous key as one key', async () => {
    // `age-keygen | base64` wraps at 76 columns; the variable keeps those line breaks.
    const wrapped = Buffer.from(`${oldRing.currentIdentity().text()}\n`)
      .toString('base64')
      .replace(/(.{76})/g, '$1\n')
    expect(wrapped).toContain('\n')
    env.RUNBEAM_ENCRYPTION_KEY_PREVIOUS = wrapped
    const report = await rotator.rotateEncryptionKey({ backup: false })
    expect(report.previousRecipient).toBe(oldRing.recipient)
    for (const name of NAMES) {
      expect(await decryptCurrent(store, name, newRing)).toBe(decoder.decode(tokenPlaintext(name)))
    }
  })

  it('changes nothing without the old key', async () => {
    delete env.RUNBEAM_ENCRYPTION_KEY_PREVIOUS
    const before = await snapshot()
    const error = await failureOf(rotator.rotateEncryptionKey({ backup: false }))
    expect(error).toMatchObject({ code: 'ERR_ROTATION_UNDECRYPTABLE' })
    expect(await snapshot()).toEqual(before)
  })

  it('resumes or rolls back an aborted run', async () => {
    const controller = new AbortController()
    const aborted = await failureOf(
      rotator.rotateEncryptionKey({
        backup: false,
        concurrency: 1,
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.phase === 'promote' && progress.done === 2) controller.abort()
        },
      }),
    )
    expect(aborted).toMatchObject({ code: 'ERR_ROTATION_ABORTED' })
    expect((await rotator.status()).inProgress).toMatchObject({ canRollBack: true })

    const changed = new KeyRotator({
      key: { environment: { RUNBEAM_ENCRYPTION_KEY: oldRing.toKeyFile().text() } },
      targets: [{ store, names: NAMES }],
    })
    expect(await failureOf(changed.resume())).toMatchObject({ code: 'ERR_ROTATION_VERIFY_FAILED' })

    await rotator.resume()
    for (const name of NAMES) {
      expect(await decryptCurrent(store, name, newRing)).toBe(decoder.decode(tokenPlaintext(name)))
    }
  })

  it('rolls back without touching the tokens', async () => {
    const before = await snapshot()
    const controller = new AbortController()
    await failureOf(
      rotator.rotateEncryptionKey({
        backup: false,
        concurrency: 1,
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.phase === 're-encrypt' && progress.done === 3) controller.abort()
        },
      }),
    )
    await rotator.rollback()
    expect(await snapshot()).toEqual(before)
  })

  it('asks to remove the previous key by hand', async () => {
    await rotator.rotateEncryptionKey({ backup: false })
    const report = await rotator.retirePreviousKey()
    expect(report.retiredRecipient).toBe(oldRing.recipient)
    expect(report.manualStep).toContain('RUNBEAM_ENCRYPTION_KEY_PREVIOUS')
    for (const name of NAMES) expect(await readStage(store, name, 'previous')).toBeUndefined()
  })

  describe('restore', () => {
    let folder: string

    beforeEach(async () => {
      folder = await mkdtemp(join(tmpdir(), 'harmony-env-restore-'))
    })

    afterEach(async () => {
      await rm(folder, { recursive: true, force: true })
    })

    it('needs the archive key in the environment', async () => {
      const recovery = await EncryptionKeyRing.generate()
      const archive = join(folder, 'b.age')
      const onOldKey = new KeyRotator({
        key: { environment: { RUNBEAM_ENCRYPTION_KEY: oldRing.toKeyFile().text() } },
        targets: [{ store, names: NAMES }],
      })
      await onOldKey.backup({ to: archive, recipients: [recovery.recipient] })
      await rotator.rotateEncryptionKey({ backup: false })

      const withoutOld = new KeyRotator({
        key: { environment: { RUNBEAM_ENCRYPTION_KEY: newRing.toKeyFile().text() } },
        targets: [{ store, names: NAMES }],
      })
      const before = await snapshot()
      const refused = await failureOf(
        withoutOld.restore({ from: archive, identity: recovery.currentIdentity() }),
      )
      expect(refused).toMatchObject({ code: 'ERR_BACKUP_MISMATCH' })
      expect(await snapshot()).toEqual(before)

      const report = await rotator.restore({ from: archive, identity: recovery.currentIdentity() })
      expect(report.key.action).toBe('unchanged')
      for (const name of NAMES) {
        expect(await decryptCurrent(store, name, oldRing)).toBe(
          decoder.decode(tokenPlaintext(name)),
        )
      }
    })
  })
})
