import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { VerifiedTokenCache } from '../../src/jwt/cache.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions } from '../../src/jwt/types.js'
import { claims, keyPair, manualClock, NOW, signToken } from './fixtures.js'

const rsa = keyPair('cache')
const other = keyPair('cache-other')
const folder = mkdtempSync(join(tmpdir(), 'jwt-cache-'))

afterAll(() => rmSync(folder, { recursive: true, force: true }))

function setup(options: Partial<JwtVerifierOptions> = {}): {
  verifier: JwtVerifier
  advance: (seconds: number) => void
} {
  const time = manualClock()
  const verifier = new JwtVerifier({
    keys: [{ pem: rsa.spki }],
    clock: time.clock,
    cache: true,
    ...options,
  })
  return { verifier, advance: (seconds) => time.advance(seconds) }
}

function token(extra: Record<string, unknown> = {}): string {
  return signToken({ alg: 'RS256' }, claims(extra), rsa.privateKey)
}

describe('verified-token cache', () => {
  it('returns the frozen result of a repeated token', async () => {
    const { verifier } = setup()
    const jwt = token()
    const first = await verifier.verify(jwt)
    const second = await verifier.verify(jwt)
    expect(second).toBe(first)
    expect(Object.isFrozen(first.payload)).toBe(true)
    expect(() => {
      ;(first.payload as Record<string, unknown>).sub = 'admin'
    }).toThrow(TypeError)
  })

  it('is off by default', async () => {
    const { verifier } = setup({ cache: undefined })
    const jwt = token()
    expect(await verifier.verify(jwt)).not.toBe(await verifier.verify(jwt))
  })

  it('drops an entry at exp', async () => {
    const { verifier, advance } = setup()
    const jwt = token({ exp: NOW + 30 })
    const first = await verifier.verify(jwt)
    advance(29)
    expect(await verifier.verify(jwt)).toBe(first)
    // Past exp but inside the leeway: verified again from scratch, and still accepted.
    advance(1)
    expect(await verifier.verify(jwt)).not.toBe(first)
  })

  it('drops an entry after the TTL', async () => {
    const { verifier, advance } = setup({ cache: { ttlSeconds: 10 } })
    const jwt = token()
    const first = await verifier.verify(jwt)
    advance(9)
    expect(await verifier.verify(jwt)).toBe(first)
    advance(1)
    expect(await verifier.verify(jwt)).not.toBe(first)
  })

  it('drops an entry at the maximum token age', async () => {
    const { verifier, advance } = setup({ maxTokenAgeSeconds: 20, leewaySeconds: 0 })
    const jwt = token({ iat: NOW - 10 })
    const first = await verifier.verify(jwt)
    advance(9)
    expect(await verifier.verify(jwt)).toBe(first)
    advance(1)
    expect(await verifier.verify(jwt)).not.toBe(first)
    advance(1)
    await expect(verifier.verify(jwt)).rejects.toMatchObject({ code: 'ERR_JWT_TOO_OLD' })
  })

  it('never stores a failure', async () => {
    const { verifier, advance } = setup({ leewaySeconds: 0 })
    const early = token({ nbf: NOW + 5 })
    await expect(verifier.verify(early)).rejects.toMatchObject({ code: 'ERR_JWT_NOT_YET_VALID' })
    advance(5)
    await expect(verifier.verify(early)).resolves.toBeDefined()
  })

  it('evicts the least recently used entry', async () => {
    const { verifier } = setup({ cache: { maxEntries: 2 } })
    const [a, b, c] = [token({ jti: 'a' }), token({ jti: 'b' }), token({ jti: 'c' })]
    const resultA = await verifier.verify(a)
    const resultB = await verifier.verify(b)
    expect(await verifier.verify(a)).toBe(resultA)
    await verifier.verify(c)
    expect(await verifier.verify(a)).toBe(resultA)
    expect(await verifier.verify(b)).not.toBe(resultB)
  })

  it('keeps a hot entry while many others come and go', async () => {
    const { verifier } = setup({ cache: { maxEntries: 8 } })
    const hot = token({ jti: 'hot' })
    const hotResult = await verifier.verify(hot)
    for (let index = 0; index < 50; index++) {
      await verifier.verify(token({ jti: `cold-${index}` }))
      expect(await verifier.verify(hot)).toBe(hotResult)
    }
  })

  it('forgets results of a key that left the key set', async () => {
    const path = join(folder, 'key.pem')
    writeFileSync(path, rsa.spki)
    const { verifier } = setup({ keys: [{ path }] })
    const jwt = token()
    await verifier.verify(jwt)
    writeFileSync(path, other.spki)
    await verifier.reload()
    await expect(verifier.verify(jwt)).rejects.toMatchObject({ code: 'ERR_JWT_SIGNATURE_INVALID' })
  })

  it('keeps results when a reload finds the same key', async () => {
    const path = join(folder, 'same.pem')
    writeFileSync(path, rsa.spki)
    const { verifier } = setup({ keys: [{ path }] })
    const jwt = token()
    const first = await verifier.verify(jwt)
    await verifier.reload()
    expect(await verifier.verify(jwt)).toBe(first)
  })

  it('hashes no token over the size limit', async () => {
    const { verifier } = setup({ maxTokenBytes: 1024 })
    const keyOf = vi.spyOn(VerifiedTokenCache.prototype, 'keyOf')
    try {
      const error = await verifier.verify('a'.repeat(1025)).catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'ERR_JWT_TOO_LARGE' })
      expect(keyOf).not.toHaveBeenCalled()
    } finally {
      keyOf.mockRestore()
    }
  })

  it('keys entries by configuration identity and token hash', () => {
    const cacheA = new VerifiedTokenCache(10, 1000, 'config-a')
    const cacheB = new VerifiedTokenCache(10, 1000, 'config-b')
    const jwt = token()
    expect(cacheA.keyOf(jwt)).toBe(cacheA.keyOf(jwt))
    expect(cacheA.keyOf(jwt)).not.toBe(cacheB.keyOf(jwt))
    expect(cacheA.keyOf(jwt)).not.toContain(jwt.slice(0, 16))
    expect(cacheA.keyOf(jwt)).toHaveLength('config-a.'.length + 44)
  })
})
