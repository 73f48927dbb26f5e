import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeyRotator } from '@harmony-auth/core'
import { FilesystemSecretStore } from '@harmony-auth/filesystem'
import { decryptCurrent, seedStore, storedRing, tokenNames, tokenPlaintext } from './fixtures.js'
import { describeKeyRotation } from './key-rotation-suite.js'

const decoder = new TextDecoder()

describeKeyRotation('FilesystemSecretStore', async () => {
  const root = await mkdtemp(join(tmpdir(), 'harmony-rotation-'))
  const store = new FilesystemSecretStore({ root })
  return {
    keyStore: store,
    tokenStore: store,
    cleanup: () => rm(root, { recursive: true, force: true }),
  }
})

describe('KeyRotator runs started together on FilesystemSecretStore', () => {
  it('lets one of two rotations run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'harmony-rotation-'))
    try {
      const store = new FilesystemSecretStore({ root })
      const names = tokenNames(6)
      await seedStore(store, store, names)
      const rotators = [1, 2].map(
        () => new KeyRotator({ key: { store }, targets: [{ store, names }] }),
      )
      const results = await Promise.allSettled(
        rotators.map((rotator) => rotator.rotateEncryptionKey({ backup: false, concurrency: 1 })),
      )

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
      const rejected = results.find((result) => result.status === 'rejected')
      expect(rejected?.reason).toMatchObject({ code: 'ERR_ROTATION_IN_PROGRESS' })
      const ring = await storedRing(store)
      for (const name of names) {
        expect(await decryptCurrent(store, name, ring)).toBe(decoder.decode(tokenPlaintext(name)))
      }
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
