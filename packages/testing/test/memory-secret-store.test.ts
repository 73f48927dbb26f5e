import { describe, expect, it } from 'vitest'
import { MemorySecretStore } from '../src/memory-secret-store.js'
import { describeSecretStoreConformance } from '../src/secret-store-conformance.js'

const encoder = new TextEncoder()

describeSecretStoreConformance('MemorySecretStore', () => new MemorySecretStore())

describe('MemorySecretStore', () => {
  it('fails the next calls of an operation', async () => {
    const store = new MemorySecretStore()
    await store.put('a', encoder.encode('kept'))
    store.failNext('put', 2)
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(store.put('a', encoder.encode('lost'))).rejects.toMatchObject({
        code: 'ERR_SECRET_STORE_FAILED',
      })
    }
    expect(new TextDecoder().decode((await store.get('a')).value.bytes())).toBe('kept')
    await store.put('a', encoder.encode('written'))
    expect(new TextDecoder().decode((await store.get('a')).value.bytes())).toBe('written')
  })

  it('creates a value only when absent', async () => {
    const store = new MemorySecretStore()
    expect(await store.putIfAbsent('key', encoder.encode('first'))).toBe(true)
    expect(await store.putIfAbsent('key', encoder.encode('second'))).toBe(false)
    expect(new TextDecoder().decode((await store.get('key')).value.bytes())).toBe('first')
    await expect(store.get('key', { stage: 'previous' })).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_FOUND',
    })
  })

  it('rejects unknown stages with TypeError', async () => {
    const store = new MemorySecretStore()
    await store.put('a', encoder.encode('kept'))
    for (const stage of ['constructor', '__proto__', 'toString', 'other', '']) {
      const options = { stage: stage as never }
      await expect(store.get('a', options), stage).rejects.toThrow(TypeError)
      await expect(store.delete('a', options), stage).rejects.toThrow(TypeError)
    }
    expect(new TextDecoder().decode((await store.get('a')).value.bytes())).toBe('kept')
  })

  it('rejects a put to the previous stage', async () => {
    const store = new MemorySecretStore()
    await expect(
      store.put('a', encoder.encode('x'), { stage: 'previous' as never }),
    ).rejects.toThrow(TypeError)
    expect(await store.list()).toEqual([])
  })
})
