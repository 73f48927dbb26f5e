import { describe, expect, it } from 'vitest'
import { KeyRotator } from '@harmony-auth/core'
import { MemorySecretStore } from '@harmony-auth/testing'
import { seedStore, snapshotStores, tokenNames } from './fixtures.js'

const NAMES = tokenNames(3)

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('KeyRotator.retirePreviousKey', () => {
  it('names an entry no key decrypts', async () => {
    const store = new MemorySecretStore()
    await seedStore(store, store, NAMES)
    const rotator = new KeyRotator({ key: { store }, targets: [{ store, names: NAMES }] })
    await rotator.rotateEncryptionKey({ backup: false })
    await store.put('token-01', new TextEncoder().encode('damaged'))
    const before = await snapshotStores(store, store, NAMES)

    const error = await failureOf(rotator.retirePreviousKey())
    expect(error).toMatchObject({
      code: 'ERR_ROTATION_UNDECRYPTABLE',
      details: { names: ['memory/token-01'] },
    })
    expect(await snapshotStores(store, store, NAMES)).toEqual(before)
  })
})
