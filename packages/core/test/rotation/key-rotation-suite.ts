import { join } from 'node:path'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EncryptionKeyRing, KeyRotator } from '@harmony-auth/core'
import type { SecretStore } from '@harmony-auth/core'
import {
  JOURNAL_NAME,
  KEY_NAME,
  decryptCurrent,
  readStage,
  seedStore,
  snapshotStores,
  storedRing,
  tokenNames,
  tokenPlaintext,
} from './fixtures.js'

/** The stores one run of the suite works on. Both may be the same store. */
export interface RotationStores {
  keyStore: SecretStore
  tokenStore: SecretStore
  /** Removes what the stores created. */
  cleanup?: () => Promise<void>
}

const NAMES = tokenNames(20)

/** Wraps a store so a test can act just before an entry is promoted. */
function interceptStore(
  store: SecretStore,
  hooks: { beforePromote: (name: string) => Promise<void> },
): SecretStore {
  return {
    provider: store.provider,
    get: (name, options) => store.get(name, options),
    put: (name, value, options) => store.put(name, value, options),
    delete: (name, options) => store.delete(name, options),
    list: (options) => store.list(options),
    promote: async (name) => {
      await hooks.beforePromote(name)
      await store.promote(name)
    },
  }
}
const decoder = new TextDecoder()

async function expectCode(promise: Promise<unknown>, code: string): Promise<unknown> {
  const error: unknown = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  )
  expect(error).toMatchObject({ code })
  return error
}

/**
 * Runs the encryption-key rotation tests against any SecretStore: the filesystem store, the
 * in-memory store and, through the same factory shape, the cloud adapters on their emulators.
 */
export function describeKeyRotation(
  storeName: string,
  createStores: () => Promise<RotationStores>,
): void {
  describe(`KeyRotator on ${storeName}`, () => {
    let stores: RotationStores
    let oldRing: EncryptionKeyRing
    let rotator: KeyRotator
    let backupFolder: string
    let recovery: EncryptionKeyRing
    const snapshot = () => snapshotStores(stores.keyStore, stores.tokenStore, NAMES)

    beforeEach(async () => {
      stores = await createStores()
      oldRing = await seedStore(stores.keyStore, stores.tokenStore, NAMES)
      rotator = new KeyRotator({
        key: { store: stores.keyStore },
        targets: [{ store: stores.tokenStore, names: NAMES, label: 'tokens' }],
      })
      backupFolder = await mkdtemp(join(tmpdir(), 'harmony-rotation-backup-'))
      recovery = await EncryptionKeyRing.generate()
    })

    afterEach(async () => {
      await stores.cleanup?.()
      await rm(backupFolder, { recursive: true, force: true })
    })

    it('rotates 20 tokens to a new key', async () => {
      const report = await rotator.rotateEncryptionKey({ backup: false, concurrency: 8 })
      expect(report.entries).toHaveLength(20)
      expect(report.previousRecipient).toBe(oldRing.recipient)
      expect(report.recipient).toMatch(/^age1/)
      expect(report.recipient).not.toBe(oldRing.recipient)

      const ring = await storedRing(stores.keyStore)
      expect(ring.recipient).toBe(report.recipient)
      expect(ring.previousRecipients).toEqual([oldRing.recipient])
      const newOnly = await EncryptionKeyRing.from({ current: ring.currentIdentity() })
      for (const name of NAMES) {
        expect(await decryptCurrent(stores.tokenStore, name, newOnly)).toBe(
          decoder.decode(tokenPlaintext(name)),
        )
        expect(await readStage(stores.tokenStore, name, 'pending')).toBeUndefined()
      }
      expect(await readStage(stores.keyStore, JOURNAL_NAME, 'current')).toBeUndefined()
      expect(await readStage(stores.keyStore, KEY_NAME, 'pending')).toBeUndefined()
    })

    it('writes nothing in a dry run', async () => {
      const before = await snapshot()
      const report = await rotator.rotateEncryptionKey({ backup: false, dryRun: true })
      expect(report.dryRun).toBe(true)
      expect(report.entries).toHaveLength(20)
      expect(report.recipient).toBeUndefined()
      expect(await snapshot()).toEqual(before)
    })

    it('changes nothing when one target is corrupted', async () => {
      const bytes = (await readStage(stores.tokenStore, 'token-07', 'current'))!
      bytes[bytes.length - 5]! ^= 0x01
      await stores.tokenStore.put('token-07', bytes)
      const before = await snapshot()
      const error = await expectCode(
        rotator.rotateEncryptionKey({
          backup: { to: join(backupFolder, 'b.age'), recipients: [recovery.recipient] },
        }),
        'ERR_ROTATION_UNDECRYPTABLE',
      )
      expect(error).toMatchObject({ details: { names: ['tokens/token-07'] } })
      expect(await snapshot()).toEqual(before)
      await expect(stat(join(backupFolder, 'b.age'))).rejects.toThrow()
    })

    it('changes nothing with a wrong key ring', async () => {
      const wrong = await EncryptionKeyRing.generate()
      await stores.keyStore.put(KEY_NAME, wrong.toKeyFile())
      await stores.keyStore.delete(KEY_NAME, { stage: 'previous' })
      const before = await snapshot()
      const error = await expectCode(
        rotator.rotateEncryptionKey({ backup: false }),
        'ERR_ROTATION_UNDECRYPTABLE',
      )
      expect((error as { details: { names: string[] } }).details.names).toHaveLength(20)
      expect(await snapshot()).toEqual(before)
    })

    it('resumes after an abort and loses nothing', async () => {
      const controller = new AbortController()
      await expectCode(
        rotator.rotateEncryptionKey({
          backup: false,
          concurrency: 1,
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.phase === 'promote' && progress.done === 9) controller.abort()
          },
        }),
        'ERR_ROTATION_ABORTED',
      )
      const midway = await storedRing(stores.keyStore)
      for (const name of NAMES) {
        expect(await decryptCurrent(stores.tokenStore, name, midway)).toBeDefined()
      }
      expect((await rotator.status()).inProgress).toMatchObject({
        phase: 'promoting',
        canRollBack: false,
      })
      await expectCode(rotator.rollback(), 'ERR_ROTATION_IN_PROGRESS')

      const report = await rotator.resume()
      expect(report.resumed).toBe(true)
      const newOnly = await EncryptionKeyRing.from({
        current: (await storedRing(stores.keyStore)).currentIdentity(),
      })
      for (const name of NAMES) {
        expect(await decryptCurrent(stores.tokenStore, name, newOnly)).toBe(
          decoder.decode(tokenPlaintext(name)),
        )
      }
      expect((await rotator.status()).inProgress).toBeUndefined()
    })

    it('rolls back before the new key is current', async () => {
      const before = await snapshot()
      const controller = new AbortController()
      await expectCode(
        rotator.rotateEncryptionKey({
          backup: false,
          concurrency: 1,
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.phase === 're-encrypt' && progress.done === 5) controller.abort()
          },
        }),
        'ERR_ROTATION_ABORTED',
      )
      expect((await rotator.status()).inProgress).toMatchObject({ canRollBack: true })
      await expectCode(rotator.rotateEncryptionKey({ backup: false }), 'ERR_ROTATION_IN_PROGRESS')
      await rotator.rollback()
      expect(await snapshot()).toEqual(before)
      await expectCode(rotator.resume(), 'ERR_ROTATION_NOT_IN_PROGRESS')
    })

    it('keeps tokens saved during the rotation', async () => {
      const newer = await oldRing.encrypt(tokenPlaintext('token-03', 1))
      const gateway = interceptStore(stores.tokenStore, {
        // A gateway saves with the old key after its token was re-encrypted.
        beforePromote: async (name) => {
          if (name === 'token-03') await stores.tokenStore.put(name, newer)
        },
      })
      const withGateway = new KeyRotator({
        key: { store: stores.keyStore },
        targets: [{ store: gateway, names: NAMES, label: 'tokens' }],
      })
      await withGateway.rotateEncryptionKey({ backup: false })
      const newOnly = await EncryptionKeyRing.from({
        current: (await storedRing(stores.keyStore)).currentIdentity(),
      })
      expect(await decryptCurrent(stores.tokenStore, 'token-03', newOnly)).toBe(
        decoder.decode(tokenPlaintext('token-03', 1)),
      )
      expect(await readStage(stores.tokenStore, 'token-03', 'pending')).toBeUndefined()
    })

    it('keeps a token on the previous key readable', async () => {
      await rotator.rotateEncryptionKey({ backup: false })
      // A gateway that still holds the first key saves with it after the first rotation.
      await stores.tokenStore.put('token-04', await oldRing.encrypt(tokenPlaintext('token-04', 1)))
      const failingKeyStore = interceptStore(stores.keyStore, {
        beforePromote: () => Promise.reject(new Error('stopped before the key is promoted')),
      })
      const stopping = new KeyRotator({
        key: { store: failingKeyStore },
        targets: [{ store: stores.tokenStore, names: NAMES, label: 'tokens' }],
      })
      await expect(stopping.rotateEncryptionKey({ backup: false })).rejects.toThrow('stopped')
      expect((await rotator.status()).inProgress).toMatchObject({ canRollBack: false })
      await expectCode(rotator.rollback(), 'ERR_ROTATION_IN_PROGRESS')

      const controller = new AbortController()
      await expectCode(
        rotator.resume({
          concurrency: 1,
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.phase === 'promote') controller.abort()
          },
        }),
        'ERR_ROTATION_ABORTED',
      )
      const ring = await storedRing(stores.keyStore)
      for (const name of NAMES) {
        expect(await decryptCurrent(stores.tokenStore, name, ring)).toBeDefined()
      }

      await rotator.resume()
      const newOnly = await EncryptionKeyRing.from({
        current: (await storedRing(stores.keyStore)).currentIdentity(),
      })
      expect(await decryptCurrent(stores.tokenStore, 'token-04', newOnly)).toBe(
        decoder.decode(tokenPlaintext('token-04', 1)),
      )
    })

    it('retires the previous key once no token needs it', async () => {
      const before = await rotator.retirePreviousKey({ dryRun: true })
      expect(before.retiredRecipient).toBeUndefined()
      await rotator.rotateEncryptionKey({ backup: false })
      const report = await rotator.retirePreviousKey()
      expect(report.retiredRecipient).toBe(oldRing.recipient)
      expect(await readStage(stores.keyStore, KEY_NAME, 'previous')).toBeUndefined()
      for (const name of NAMES) {
        for (const stage of ['current', 'previous', 'pending'] as const) {
          const bytes = await readStage(stores.tokenStore, name, stage)
          if (bytes)
            await expect(oldRing.decrypt(bytes)).rejects.toMatchObject({
              code: 'ERR_KEY_DECRYPT_FAILED',
            })
        }
      }
    })

    it('refuses to retire a key a token still needs', async () => {
      const next = await EncryptionKeyRing.generate()
      await stores.keyStore.put(KEY_NAME, next.toKeyFile())
      const before = await snapshot()
      const error = await expectCode(
        rotator.retirePreviousKey(),
        'ERR_ROTATION_PREVIOUS_KEY_IN_USE',
      )
      expect((error as { details: { names: string[] } }).details.names).toHaveLength(20)
      expect(await snapshot()).toEqual(before)
    })
  })
}
