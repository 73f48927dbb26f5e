import { generateX25519Identity } from 'age-encryption'
import { memoryStore } from '../support/memory-store.js'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { isHarmonyAuthError } from '../../src/errors.js'
import { EncryptionKeyRing } from '../../src/keys/encryption-key-ring.js'
import { createKeyRingSource } from '../../src/keys/key-ring-source.js'
import { Secret } from '../../src/secrets/secret.js'
import type { Logger } from '../../src/support/logger.js'

const encoder = new TextEncoder()
const base64 = (text: string): string => Buffer.from(text).toString('base64')

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

function recordingLogger(): Logger & { infos: unknown[][] } {
  const infos: unknown[][] = []
  const ignore = (): void => undefined
  return {
    infos,
    debug: ignore,
    warn: ignore,
    error: ignore,
    info: (...args) => void infos.push(args),
  }
}

describe('createKeyRingSource', () => {
  let current: string
  let older: string
  let oldest: string

  beforeAll(async () => {
    ;[current, older, oldest] = await Promise.all([
      generateX25519Identity(),
      generateX25519Identity(),
      generateX25519Identity(),
    ])
  })

  it('prefers RUNBEAM_ENCRYPTION_KEY over the store', async () => {
    const store = memoryStore()
    await store.put('encryption.key', Secret.from(base64(older)))
    const source = createKeyRingSource({ env: { RUNBEAM_ENCRYPTION_KEY: base64(current) }, store })
    const ring = await source.load()
    expect(ring?.recipient).toBe((await EncryptionKeyRing.from({ current })).recipient)
    expect(ring?.previousRecipients).toEqual([])
  })

  it('rejects an empty RUNBEAM_ENCRYPTION_KEY', async () => {
    const store = memoryStore()
    await store.put('encryption.key', Secret.from(base64(older)))
    const source = createKeyRingSource({ env: { RUNBEAM_ENCRYPTION_KEY: '' }, store })
    const error = await errorOf(source.load())
    expect(error.code).toBe('ERR_KEY_INVALID')
    expect(error.message).toContain('RUNBEAM_ENCRYPTION_KEY is empty')
  })

  it('splits previous keys at commas and newlines', async () => {
    const env = {
      RUNBEAM_ENCRYPTION_KEY: current,
      RUNBEAM_ENCRYPTION_KEY_PREVIOUS: `${base64(older)}, \n${oldest}\n`,
    }
    const ring = (await createKeyRingSource({ env }).load())!
    expect(ring.previousRecipients).toHaveLength(2)
    for (const identity of [older, oldest]) {
      const sealed = await (
        await EncryptionKeyRing.from({ current: identity })
      ).encrypt(encoder.encode('old'))
      expect(new TextDecoder().decode(await ring.decrypt(sealed))).toBe('old')
    }
  })

  it('joins wrapped base64 previous keys', async () => {
    const keygen = (identity: string): string =>
      `# created: 2024-01-01T00:00:00Z\n# public key: age1example\n${identity}\n`
    const wrap = (text: string, width: number): string =>
      text.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n')
    const [third, fourth] = await Promise.all([generateX25519Identity(), generateX25519Identity()])
    const entries = [
      wrap(base64(keygen(older)), 76),
      wrap(base64(keygen(oldest)), 64),
      base64(`${third}\n`),
      base64(fourth),
    ]
    const env = {
      RUNBEAM_ENCRYPTION_KEY: current,
      RUNBEAM_ENCRYPTION_KEY_PREVIOUS: entries.join('\n'),
    }
    const ring = (await createKeyRingSource({ env }).load())!
    const expected = await Promise.all(
      [older, oldest, third, fourth].map(
        async (key) => (await EncryptionKeyRing.from({ current: key })).recipient,
      ),
    )
    expect(ring.previousRecipients).toEqual(expected)
  })

  it('accepts raw age-keygen output among previous keys', async () => {
    const keygen = `# created: 2024-01-01T00:00:00Z\n# public key: age1example\n${older}\n`
    const env = { RUNBEAM_ENCRYPTION_KEY: current, RUNBEAM_ENCRYPTION_KEY_PREVIOUS: keygen }
    expect((await createKeyRingSource({ env }).load())?.previousRecipients).toHaveLength(1)
  })

  it('treats an empty previous-keys variable as none', async () => {
    const env = { RUNBEAM_ENCRYPTION_KEY: current, RUNBEAM_ENCRYPTION_KEY_PREVIOUS: ' ' }
    expect((await createKeyRingSource({ env }).load())?.previousRecipients).toEqual([])
  })

  it('names the invalid previous entry', async () => {
    const env = {
      RUNBEAM_ENCRYPTION_KEY: current,
      RUNBEAM_ENCRYPTION_KEY_PREVIOUS: `${older},junk`,
    }
    const error = await errorOf(createKeyRingSource({ env }).load())
    expect(error.code).toBe('ERR_KEY_INVALID')
    expect(error.message).toContain('RUNBEAM_ENCRYPTION_KEY_PREVIOUS (entry 2)')
    expect(error.message).not.toContain(older.slice(16, 40))
  })

  it('reads the stored key and its other stages', async () => {
    const store = memoryStore()
    await store.put('encryption.key', Secret.from(base64(older)))
    await store.put('encryption.key', Secret.from(base64(current)))
    await store.put('encryption.key', Secret.from(base64(oldest)), { stage: 'pending' })
    const ring = (await createKeyRingSource({ env: {}, store }).load())!
    expect(ring.recipient).toBe((await EncryptionKeyRing.from({ current })).recipient)
    expect(ring.previousRecipients).toHaveLength(2)
  })

  it('reads stages again when a rotation promotes', async () => {
    const store = memoryStore()
    await store.put('encryption.key', Secret.from(base64(older)))
    await store.put('encryption.key', Secret.from(base64(current)), { stage: 'pending' })
    const get = store.get.bind(store)
    let promoted = false
    store.get = async (name, options) => {
      // Promote right after the first read of current, before previous and pending are read.
      const result = await get(name, options)
      if (!promoted && (options?.stage ?? 'current') === 'current') {
        promoted = true
        await store.promote(name)
      }
      return result
    }
    const ring = (await createKeyRingSource({ store }).load())!
    const recipientOf = async (key: string): Promise<string> =>
      (await EncryptionKeyRing.from({ current: key })).recipient
    expect(ring.recipient).toBe(await recipientOf(current))
    expect(ring.previousRecipients).toEqual([await recipientOf(older)])
  })

  it('names the stored key location in errors', async () => {
    const store = memoryStore()
    await store.put('encryption.key', Secret.from('not a key'))
    const source = createKeyRingSource({ env: {}, store, keyLocation: '/srv/gw/encryption.key' })
    const error = await errorOf(source.load())
    expect(error.code).toBe('ERR_KEY_INVALID')
    expect(error.message).toContain('/srv/gw/encryption.key')
  })

  it('names an invalid stored stage', async () => {
    const store = memoryStore()
    await store.put('encryption.key', Secret.from(base64(current)))
    await store.put('encryption.key', Secret.from('garbage'), { stage: 'pending' })
    const source = createKeyRingSource({ env: {}, store, keyLocation: '/srv/gw/encryption.key' })
    const error = await errorOf(source.load())
    expect(error.code).toBe('ERR_KEY_INVALID')
    expect(error.message).toContain('/srv/gw/encryption.key (pending stage)')
  })

  it('never creates a key on load', async () => {
    const store = memoryStore()
    const source = createKeyRingSource({ env: {}, store })
    expect(await source.load()).toBeUndefined()
    await expect(store.get('encryption.key')).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_FOUND',
    })
  })

  it('creates the key once at the first loadOrCreate', async () => {
    const store = memoryStore()
    const created = vi.fn()
    const logger = recordingLogger()
    const source = createKeyRingSource({ env: {}, store, onKeyCreated: created, logger })
    const first = await source.loadOrCreate()
    const second = await source.loadOrCreate()
    expect(second.recipient).toBe(first.recipient)
    expect(created).toHaveBeenCalledTimes(1)
    expect(logger.infos).toHaveLength(1)
    const stored = (await store.get('encryption.key')).value.text()
    expect(stored).toBe(first.toKeyFile().text())
    expect(Buffer.from(stored, 'base64').toString()).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/)
    expect(JSON.stringify(logger.infos)).not.toContain(first.currentIdentity().text())
  })

  it('ends racing sources with one key', async () => {
    const store = memoryStore()
    const createIfAbsent = (name: string, value: Secret): Promise<boolean> =>
      store.putIfAbsent(name, value)
    const sources = Array.from({ length: 4 }, () =>
      createKeyRingSource({ env: {}, store, createIfAbsent }),
    )
    const rings = await Promise.all(sources.map((source) => source.loadOrCreate()))
    expect(new Set(rings.map((ring) => ring.recipient)).size).toBe(1)
    await expect(store.get('encryption.key', { stage: 'previous' })).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_FOUND',
    })
  })

  it('needs a variable or a store to create a key', async () => {
    const error = await errorOf(createKeyRingSource({ env: {} }).loadOrCreate())
    expect(error.code).toBe('ERR_KEY_NOT_FOUND')
    expect(await createKeyRingSource({ env: {} }).load()).toBeUndefined()
  })

  it('reports a failed key write', async () => {
    const store = memoryStore()
    store.failNext('put')
    const error = await errorOf(createKeyRingSource({ env: {}, store }).loadOrCreate())
    expect(isHarmonyAuthError(error, 'ERR_KEY_GENERATION_FAILED')).toBe(true)
    expect(await store.list()).toEqual([])
  })

  it('rejects options of the wrong type', () => {
    expect(() => createKeyRingSource(null as never)).toThrow(TypeError)
    expect(() => createKeyRingSource({ keyName: '../key' })).toThrow(/Invalid keyName/)
    const wrongTypes = {
      env: 'RUNBEAM_ENCRYPTION_KEY=x',
      store: 'filesystem',
      createIfAbsent: true,
      onKeyCreated: 'warn',
      logger: { info: 'x' },
    }
    for (const [option, value] of Object.entries(wrongTypes)) {
      expect(() => createKeyRingSource({ [option]: value }), option).toThrow(TypeError)
    }
  })
})
