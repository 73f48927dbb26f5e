import { inspect } from 'node:util'
import { memoryStore } from '../support/memory-store.js'
import type { TestStore } from '../support/memory-store.js'
import { beforeEach, describe, expect, it } from 'vitest'
import { EncryptionKeyRing } from '../../src/keys/encryption-key-ring.js'
import { createKeyRingSource } from '../../src/keys/key-ring-source.js'
import type { SecretStage } from '../../src/secrets/secret-store.js'
import type { Logger } from '../../src/support/logger.js'
import { TokenStore } from '../../src/token-store/token-store.js'
import type { MachineTokenInput } from '../../src/token-store/machine-token.js'

const TOKEN = 'machine-token-canary-abcdef0123456789'
const NOW = new Date('2030-06-01T12:00:00.000Z')
const clock = (): Date => new Date(NOW)
const encoder = new TextEncoder()

const input: MachineTokenInput = {
  machineToken: TOKEN,
  expiresAt: '2030-06-02T12:00:00Z',
  gatewayId: 'gw-42',
  gatewayCode: 'edge-1',
  abilities: ['proxy'],
  issuedAt: '2030-06-01T11:00:00Z',
}

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

/** Returns every stage's bytes and version, to prove a failed load changed nothing. */
async function snapshot(store: TestStore, name: string): Promise<unknown[]> {
  const stages: SecretStage[] = ['current', 'previous', 'pending']
  return Promise.all(
    stages.map((stage) =>
      store.get(name, { stage }).then(
        (stored) => [stage, [...stored.value.bytes()], stored.version],
        () => [stage, 'absent'],
      ),
    ),
  )
}

function recordingLogger(): Logger & { records: unknown[] } {
  const records: unknown[] = []
  const record = (...args: unknown[]): void => void records.push(args)
  return { records, debug: record, info: record, warn: record, error: record }
}

describe('TokenStore', () => {
  let backend: TestStore
  let ring: EncryptionKeyRing
  let store: TokenStore

  beforeEach(async () => {
    backend = memoryStore()
    ring = await EncryptionKeyRing.generate()
    store = new TokenStore({ backend, keyRing: ring, clock })
  })

  it('round-trips a token', async () => {
    const saved = await store.save(input)
    const loaded = (await store.load())!
    expect(loaded.machineToken.text()).toBe(TOKEN)
    expect(loaded.toJSON()).toEqual(saved.toJSON())
    expect(loaded.isValid()).toBe(true)
    expect(loaded.issuedAt.toISOString()).toBe('2030-06-01T11:00:00.000Z')
  })

  it('stores the Rust gateway record encrypted', async () => {
    await store.save(input)
    const bytes = (await backend.get('auth.json')).value.bytes()
    expect(new TextDecoder().decode(bytes.subarray(0, 22))).toBe('age-encryption.org/v1\n')
    const record = JSON.parse(new TextDecoder().decode(await ring.decrypt(bytes))) as unknown
    expect(record).toEqual({
      machine_token: TOKEN,
      expires_at: '2030-06-02T12:00:00.000Z',
      gateway_id: 'gw-42',
      gateway_code: 'edge-1',
      abilities: ['proxy'],
      issued_at: '2030-06-01T11:00:00.000Z',
    })
  })

  it('replaces the token on save', async () => {
    await store.save(input)
    await store.save({ ...input, machineToken: 'second-token' })
    expect((await store.load())?.machineToken.text()).toBe('second-token')
  })

  it('returns undefined without creating anything', async () => {
    const keyed = new TokenStore({
      backend,
      keyRing: createKeyRingSource({ env: {}, store: backend }),
    })
    expect(await keyed.load()).toBeUndefined()
    await keyed.clear()
    expect(await backend.list()).toEqual([])
    for (const stage of ['current', 'previous', 'pending'] as const) {
      await expect(backend.get('encryption.key', { stage })).rejects.toMatchObject({
        code: 'ERR_SECRET_NOT_FOUND',
      })
    }
  })

  it('creates the key at the first save', async () => {
    const keyed = new TokenStore({
      backend,
      keyRing: createKeyRingSource({ env: {}, store: backend }),
    })
    await keyed.save(input)
    expect(await backend.list()).toEqual(['auth.json', 'encryption.key'])
    expect((await keyed.load())?.machineToken.text()).toBe(TOKEN)
  })

  it('loads a token of a previous key', async () => {
    await store.save(input)
    const rotated = new TokenStore({
      backend,
      keyRing: ring.rotateTo(await EncryptionKeyRing.generate()),
    })
    expect((await rotated.load())?.machineToken.text()).toBe(TOKEN)
  })

  it('maps unreadable files to their codes', async () => {
    await store.save(input)
    const good = (await backend.get('auth.json')).value.bytes()
    const flipped = Uint8Array.from(good)
    flipped[good.length - 2]! ^= 0x01
    const other = await EncryptionKeyRing.generate()
    const cases: Record<string, [Uint8Array, string]> = {
      'wrong key': [await other.encrypt(encoder.encode('{}')), 'ERR_TOKEN_STORE_DECRYPT_FAILED'],
      truncated: [good.subarray(0, good.length - 20), 'ERR_TOKEN_STORE_CORRUPT'],
      'truncated header': [good.subarray(0, 40), 'ERR_TOKEN_STORE_CORRUPT'],
      'flipped byte': [flipped, 'ERR_TOKEN_STORE_CORRUPT'],
      'random bytes': [
        Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256),
        'ERR_TOKEN_STORE_CORRUPT',
      ],
      plaintext: [
        encoder.encode(JSON.stringify({ machine_token: TOKEN })),
        'ERR_TOKEN_STORE_PLAINTEXT',
      ],
      'bad JSON': [
        await ring.encrypt(encoder.encode('{"machine_token": ')),
        'ERR_TOKEN_STORE_INVALID_RECORD',
      ],
      'JSON array': [await ring.encrypt(encoder.encode('[1,2]')), 'ERR_TOKEN_STORE_INVALID_RECORD'],
      'bad date': [
        await ring.encrypt(
          encoder.encode(
            JSON.stringify({
              ...JSON.parse(new TextDecoder().decode(await ring.decrypt(good))),
              expires_at: 'soon',
            }),
          ),
        ),
        'ERR_TOKEN_STORE_INVALID_RECORD',
      ],
    }
    for (const [label, [bytes, code]] of Object.entries(cases)) {
      const case_ = memoryStore()
      await case_.put('auth.json', bytes)
      const before = await snapshot(case_, 'auth.json')
      const error = await errorOf(new TokenStore({ backend: case_, keyRing: ring }).load())
      expect(error.code, label).toBe(code)
      expect(error.message, label).not.toContain(TOKEN)
      expect(await snapshot(case_, 'auth.json'), label).toEqual(before)
    }
  })

  it('says how to migrate a plaintext file', async () => {
    await backend.put('auth.json', encoder.encode(JSON.stringify({ machine_token: TOKEN })))
    const error = await errorOf(store.load())
    expect(error.message).toContain(`age -r ${ring.recipient}`)
    expect(error.message).toContain('authorize the gateway again')
    expect(error.message).not.toContain(TOKEN)
  })

  it('names the field of an invalid record', async () => {
    const record = {
      machine_token: TOKEN,
      expires_at: '2030-02-30T00:00:00Z',
      gateway_id: 'a',
      gateway_code: 'b',
      issued_at: '2030-01-01T00:00:00Z',
    }
    await backend.put('auth.json', await ring.encrypt(encoder.encode(JSON.stringify(record))))
    const error = await errorOf(store.load())
    expect(error.code).toBe('ERR_TOKEN_STORE_INVALID_RECORD')
    expect(error.message).toContain('expires_at')
  })

  it('defaults missing abilities to an empty list', async () => {
    const record = {
      machine_token: TOKEN,
      expires_at: '2030-07-01T00:00:00Z',
      gateway_id: 'a',
      gateway_code: 'b',
      issued_at: '2030-01-01T00:00:00+00:00',
    }
    await backend.put('auth.json', await ring.encrypt(encoder.encode(JSON.stringify(record))))
    expect((await store.load())?.abilities).toEqual([])
  })

  it('reports an encrypted token without any key', async () => {
    await store.save(input)
    const keyless = new TokenStore({ backend, keyRing: createKeyRingSource({ env: {} }) })
    expect((await errorOf(keyless.load())).code).toBe('ERR_TOKEN_STORE_DECRYPT_FAILED')
  })

  it('keeps the old token when a write fails', async () => {
    await store.save(input)
    backend.failNext('put')
    const error = await errorOf(store.save({ ...input, machineToken: 'never-stored' }))
    expect(error.code).toBe('ERR_TOKEN_STORE_WRITE_FAILED')
    expect((await store.load())?.machineToken.text()).toBe(TOKEN)
  })

  it('rejects invalid input before writing', async () => {
    const error = await errorOf(store.save({ ...input, expiresAt: 'tomorrow' }))
    expect(error.code).toBe('ERR_TOKEN_STORE_INVALID_RECORD')
    expect(await backend.list()).toEqual([])
  })

  it('wraps backend read failures', async () => {
    await store.save(input)
    backend.failNext('get')
    const error = await errorOf(store.load())
    expect(error.code).toBe('ERR_TOKEN_STORE_READ_FAILED')
    expect((error.cause as { code?: string }).code).toBe('ERR_SECRET_STORE_FAILED')
  })

  it('passes key read failures through', async () => {
    const keyStore = memoryStore()
    const keyRing = createKeyRingSource({ store: keyStore })
    const keyed = new TokenStore({ backend, keyRing, clock })
    await keyed.save(input)
    const before = await snapshot(backend, 'auth.json')

    keyStore.failNext('get')
    expect((await errorOf(keyed.load())).code).toBe('ERR_SECRET_STORE_FAILED')
    keyStore.failNext('get')
    expect((await errorOf(keyed.save(input))).code).toBe('ERR_SECRET_STORE_FAILED')
    expect(await snapshot(backend, 'auth.json')).toEqual(before)
  })

  it('reads a fallback when the main token is absent', async () => {
    const legacy = memoryStore()
    const withFallback = new TokenStore({
      backend,
      keyRing: ring,
      fallbacks: [{ backend: legacy, name: 'auth.json', label: 'runbeam/auth.json' }],
    })
    await new TokenStore({ backend: legacy, keyRing: ring }).save({
      ...input,
      machineToken: 'legacy-token',
    })
    expect((await withFallback.load())?.machineToken.text()).toBe('legacy-token')
    await withFallback.save(input)
    expect((await withFallback.load())?.machineToken.text()).toBe(TOKEN)
    await withFallback.clear()
    expect(await withFallback.load()).toBeUndefined()
    expect(await legacy.list()).toEqual([])
  })

  it('names the fallback that failed to clear', async () => {
    const legacy = memoryStore()
    const fallbacks = [{ backend: legacy, name: 'auth.json', label: 'runbeam/auth.json' }]
    const withFallback = new TokenStore({ backend, keyRing: ring, fallbacks })
    legacy.failNext('delete')
    const error = await errorOf(withFallback.clear())
    expect(error.code).toBe('ERR_TOKEN_STORE_WRITE_FAILED')
    expect(error.message).toContain('runbeam/auth.json')
  })

  it('clears the token and tolerates a missing one', async () => {
    await store.save(input)
    await store.clear()
    expect(await store.load()).toBeUndefined()
    await store.clear()
    backend.failNext('delete')
    expect((await errorOf(store.clear())).code).toBe('ERR_TOKEN_STORE_WRITE_FAILED')
  })

  it('keeps the token out of logs and inspect', async () => {
    const logger = recordingLogger()
    const logged = new TokenStore({ backend, keyRing: ring, logger })
    const token = await logged.save(input)
    await logged.load()
    await logged.clear()
    expect(logger.records.length).toBeGreaterThan(0)
    expect(JSON.stringify(logger.records)).not.toContain(TOKEN)
    expect(inspect(logged, { depth: 10 })).not.toContain(TOKEN)
    expect(inspect(token, { depth: 10 })).not.toContain(TOKEN)
  })

  it('uses a custom name', async () => {
    const named = new TokenStore({ backend, keyRing: ring, name: 'gw-2.json' })
    await named.save(input)
    expect(await backend.list()).toEqual(['gw-2.json'])
  })

  it('rejects invalid options at construction', () => {
    expect(() => new TokenStore(undefined as never)).toThrow(TypeError)
    expect(() => new TokenStore({ backend: {} as never, keyRing: ring })).toThrow(TypeError)
    expect(() => new TokenStore({ backend, keyRing: 'key' as never })).toThrow(TypeError)
    const wrongTypes = { clock: 'now', logger: { debug: 'x' }, fallbacks: 'runbeam/auth.json' }
    for (const [option, value] of Object.entries(wrongTypes)) {
      const options = { backend, keyRing: ring, [option]: value } as never
      expect(() => new TokenStore(options), option).toThrow(TypeError)
    }
    for (const name of ['', '.', '..', 'a/b', 'x'.repeat(129)]) {
      expect(() => new TokenStore({ backend, keyRing: ring, name }), name).toThrow(
        expect.objectContaining({ code: 'ERR_SECRET_INVALID_NAME' }),
      )
    }
  })
})
