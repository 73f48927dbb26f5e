import { describe, expect, it } from 'vitest'
import { EncryptionKeyRing, KeyRotator } from '@harmony-auth/core'
import { MemorySecretStore } from '@harmony-auth/testing'
import { describeKeyRotation } from './key-rotation-suite.js'
import { KEY_NAME, decryptCurrent, storedRing, tokenNames, tokenPlaintext } from './fixtures.js'

describeKeyRotation('MemorySecretStore', () => {
  const store = new MemorySecretStore()
  return Promise.resolve({ keyStore: store, tokenStore: store })
})

const decoder = new TextDecoder()

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

describe('KeyRotator on several MemorySecretStores', () => {
  it('rotates tokens of two stores', async () => {
    const keyStore = new MemorySecretStore()
    const stores = [new MemorySecretStore(), new MemorySecretStore()]
    const ring = await EncryptionKeyRing.generate()
    await keyStore.put(KEY_NAME, ring.toKeyFile())
    for (const store of stores) {
      for (const name of tokenNames(3))
        await store.put(name, await ring.encrypt(tokenPlaintext(name)))
    }
    const rotator = new KeyRotator({
      key: { store: keyStore },
      targets: stores.map((store) => ({ store, names: tokenNames(3) })),
    })
    const report = await rotator.rotateEncryptionKey({ backup: false })
    expect(report.entries).toEqual([
      'memory#0/token-00',
      'memory#0/token-01',
      'memory#0/token-02',
      'memory#1/token-00',
      'memory#1/token-01',
      'memory#1/token-02',
    ])
    const next = await EncryptionKeyRing.from({
      current: (await storedRing(keyStore)).currentIdentity(),
    })
    for (const store of stores) {
      for (const name of tokenNames(3)) {
        expect(await decryptCurrent(store, name, next)).toBe(decoder.decode(tokenPlaintext(name)))
      }
    }
  })

  it.each(['put', 'promote'] as const)('resumes after a failed %s', async (operation) => {
    const store = new MemorySecretStore()
    const ring = await EncryptionKeyRing.generate()
    await store.put(KEY_NAME, ring.toKeyFile())
    const names = tokenNames(6)
    for (const name of names) await store.put(name, await ring.encrypt(tokenPlaintext(name)))
    const rotator = new KeyRotator({ key: { store }, targets: [{ store, names }] })

    let armed = false
    const error = await failureOf(
      rotator.rotateEncryptionKey({
        backup: false,
        concurrency: 1,
        onProgress: (progress) => {
          const phase = operation === 'put' ? 're-encrypt' : 'promote'
          if (!armed && progress.phase === phase && progress.done === 3) {
            armed = true
            store.failNext(operation)
          }
        },
      }),
    )
    expect(error).toMatchObject({ code: 'ERR_SECRET_STORE_FAILED' })
    const midway = await storedRing(store)
    for (const name of names) {
      expect(await decryptCurrent(store, name, midway)).toBe(decoder.decode(tokenPlaintext(name)))
    }

    await rotator.resume()
    const next = await EncryptionKeyRing.from({
      current: (await storedRing(store)).currentIdentity(),
    })
    expect(next.recipient).not.toBe(ring.recipient)
    for (const name of names) {
      expect(await decryptCurrent(store, name, next)).toBe(decoder.decode(tokenPlaintext(name)))
    }
  })

  it('rejects invalid options at construction', () => {
    const store = new MemorySecretStore()
    expect(() => new KeyRotator({ key: { store }, targets: [] })).toThrow(TypeError)
    expect(() => new KeyRotator({ key: {} as never, targets: [{ store }] })).toThrow(TypeError)
    expect(
      () => new KeyRotator({ key: { store }, targets: [{ store, names: ['a', 'a'] }] }),
    ).toThrow(TypeError)
    expect(() => new KeyRotator({ key: { store, name: '../x' }, targets: [{ store }] })).toThrow(
      expect.objectContaining({ code: 'ERR_SECRET_INVALID_NAME' }) as Error,
    )
  })

  it('rejects an invalid concurrency', async () => {
    const store = new MemorySecretStore()
    const rotator = new KeyRotator({ key: { store }, targets: [{ store }] })
    await expect(rotator.rotateEncryptionKey({ backup: false, concurrency: 0 })).rejects.toThrow(
      RangeError,
    )
  })
})
