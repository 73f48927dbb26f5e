import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startJwksServer } from '@harmony-auth/testing'
import type { JwksServer } from '@harmony-auth/testing'
import { isHarmonyAuthError, JwksError, JwtVerificationError } from '../../src/errors.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions, RemoteJwksKeySource } from '../../src/jwt/types.js'
import { claims, keyPair, manualClock, NOW, signToken } from './fixtures.js'

let issuer: JwksServer
let time: ReturnType<typeof manualClock>

beforeEach(async () => {
  // Reusing generated keys keeps each test from spending its time on RSA key generation.
  issuer = await startJwksServer({
    keys: [
      { kid: 'key-1', privateKey: keyPair('jwks-1').privateKey },
      { kid: 'key-2', privateKey: keyPair('jwks-2').privateKey },
    ],
  })
  time = manualClock()
})

afterEach(async () => {
  await issuer.close()
})

function remote(
  source: Partial<RemoteJwksKeySource> = {},
  options: Partial<JwtVerifierOptions> = {},
): JwtVerifier {
  return new JwtVerifier({
    keys: [{ jwksUrl: issuer.url, ...source }],
    clock: time.clock,
    ...options,
  })
}

/** Signs a token valid for the next 3 hours of the test clock, signed with a published key. */
function token(kid = 'key-1', header: Record<string, unknown> = {}): string {
  return issuer.sign(claims({ exp: NOW + 3 * 3600 }), { kid, header })
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    if (!isHarmonyAuthError(error)) throw error
    return error.code
  }
}

describe('remote JWKS', () => {
  it('verifies with a fetched key', async () => {
    const verifier = remote()
    const result = await verifier.verify(token())
    expect(result.key).toEqual({ kid: 'key-1', algorithm: 'RS256', source: 'jwksUrl' })
    await verifier.verify(token('key-2'))
    expect(issuer.requestCount).toBe(1)
  })

  it('shares one fetch between concurrent first calls', async () => {
    const verifier = remote()
    const results = await Promise.all(Array.from({ length: 100 }, () => verifier.verify(token())))
    expect(results).toHaveLength(100)
    expect(issuer.requestCount).toBe(1)
  })

  it('fetches once per cooldown for random kids', async () => {
    const verifier = remote()
    await verifier.verify(token())
    issuer.resetRequestCount()
    time.advance(31)

    const known = token()
    const attempt = async (): Promise<string[]> => {
      const random = Array.from({ length: 1000 }, () =>
        codeOf(verifier.verify(token('key-1', { kid: randomUUID() }))),
      )
      const good = Array.from({ length: 50 }, () => codeOf(verifier.verify(known)))
      const [randomCodes, goodCodes] = await Promise.all([Promise.all(random), Promise.all(good)])
      expect(new Set(goodCodes)).toEqual(new Set(['accepted']))
      return randomCodes
    }

    expect(new Set(await attempt())).toEqual(new Set(['ERR_JWT_KEY_NOT_FOUND']))
    expect(issuer.requestCount).toBe(1)

    time.advance(10)
    await attempt()
    expect(issuer.requestCount).toBe(1)

    time.advance(21)
    await attempt()
    expect(issuer.requestCount).toBe(2)
  })

  it('remembers an unknown kid until the cooldown ends', async () => {
    const verifier = remote()
    await verifier.verify(token())
    time.advance(31)
    const stranger = token('key-1', { kid: 'stranger' })
    expect(await codeOf(verifier.verify(stranger))).toBe('ERR_JWT_KEY_NOT_FOUND')
    expect(issuer.requestCount).toBe(2)
    time.advance(29)
    expect(await codeOf(verifier.verify(stranger))).toBe('ERR_JWT_KEY_NOT_FOUND')
    expect(issuer.requestCount).toBe(2)
    time.advance(2)
    expect(await codeOf(verifier.verify(stranger))).toBe('ERR_JWT_KEY_NOT_FOUND')
    expect(issuer.requestCount).toBe(3)
  })

  it('picks up a rotated key after the cooldown', async () => {
    const verifier = remote()
    const old = token('key-1')
    await verifier.verify(old)
    const fresh = await issuer.rotateKey({ kid: 'key-3' })
    expect(await codeOf(verifier.verify(token(fresh.kid)))).toBe('ERR_JWT_KEY_NOT_FOUND')

    time.advance(30)
    expect(await codeOf(verifier.verify(token(fresh.kid)))).toBe('accepted')
    // The rotation removed key-1, and the refresh that found key-3 revoked it at once.
    expect(await codeOf(verifier.verify(old))).toBe('ERR_JWT_KEY_NOT_FOUND')
  })

  it('keeps known keys through an outage in the stale window', async () => {
    const verifier = remote()
    await verifier.verify(token())
    issuer.setOutage(true)

    time.advance(601)
    expect(await codeOf(verifier.verify(token()))).toBe('accepted')
    await vi.waitFor(() => expect(issuer.requestCount).toBe(2))

    time.advance(3598)
    expect(await codeOf(verifier.verify(token('key-2')))).toBe('accepted')
  })

  it('fails once the stale window has passed', async () => {
    const verifier = remote()
    await verifier.verify(token())
    issuer.setOutage(true)
    time.advance(600 + 3600)
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_FETCH_FAILED')

    issuer.setOutage(false)
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_FETCH_FAILED')
    time.advance(30)
    expect(await codeOf(verifier.verify(token()))).toBe('accepted')
  })

  it('stops a removed key at once after a refresh', async () => {
    const verifier = remote({}, { cache: true })
    const second = token('key-2')
    await verifier.verify(second)
    await verifier.verify(second)
    issuer.removeKey('key-2')

    time.advance(601)
    expect(await codeOf(verifier.verify(token()))).toBe('accepted')
    await vi.waitFor(async () => {
      expect(await codeOf(verifier.verify(second))).toBe('ERR_JWT_KEY_NOT_FOUND')
    })
    expect(await codeOf(verifier.verify(token()))).toBe('accepted')
  })

  it('refreshes on cache hits too', async () => {
    const verifier = remote({}, { cache: { ttlSeconds: 86_400 } })
    const second = token('key-2')
    await verifier.verify(second)
    issuer.removeKey('key-2')

    time.advance(601)
    await verifier.verify(second)
    await vi.waitFor(async () => {
      expect(await codeOf(verifier.verify(second))).toBe('ERR_JWT_KEY_NOT_FOUND')
    })
    expect(issuer.requestCount).toBe(2)
  })

  it('drops cached results past the stale window', async () => {
    const verifier = remote({}, { cache: { ttlSeconds: 86_400 } })
    await verifier.verify(token())
    issuer.setOutage(true)

    time.advance(600 + 3600)
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_FETCH_FAILED')
  })

  it('times out a slow endpoint', async () => {
    issuer.setFault({ kind: 'delay', ms: 3000 })
    const verifier = remote({ timeoutMs: 200 })
    const started = performance.now()
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it('waits 5 seconds by default', async () => {
    issuer.setFault({ kind: 'delay', ms: 8000 })
    const verifier = remote()
    const started = performance.now()
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_TIMEOUT')
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(4900)
    expect(elapsed).toBeLessThan(7000)
  }, 15_000)

  it('follows no redirect', async () => {
    issuer.setFault({ kind: 'redirect' })
    const verifier = remote()
    const error = await verifier.verify(token()).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED', details: { status: 302 } })
    expect(error).toBeInstanceOf(JwtVerificationError)
    expect((error as Error).cause).toBeInstanceOf(JwksError)
    expect(issuer.requestCount).toBe(1)
  })

  it('rejects an oversized response', async () => {
    issuer.setFault({ kind: 'oversized' })
    expect(await codeOf(remote().verify(token()))).toBe('ERR_JWKS_TOO_LARGE')
  })

  it('rejects a set with too many keys', async () => {
    await issuer.addKey({ kid: 'key-3' })
    expect(await codeOf(remote({ maxKeys: 2 }).verify(token()))).toBe('ERR_JWKS_TOO_LARGE')
  })

  it('rejects responses that are not a JWKS', async () => {
    issuer.setFault({ kind: 'invalid-json' })
    expect(await codeOf(remote().verify(token()))).toBe('ERR_JWKS_INVALID')
    time.advance(30)
    issuer.setFault({ kind: 'body', body: '{"keys":{}}', contentType: 'application/json' })
    const verifier = remote()
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_INVALID')
  })

  it('skips published keys it cannot use', async () => {
    await issuer.addKey({ kid: 'ec', alg: 'ES256' })
    const verifier = remote()
    expect(await codeOf(verifier.verify(token()))).toBe('accepted')
    expect(await codeOf(verifier.verify(token('ec')))).toBe('ERR_JWT_ALG_NOT_ALLOWED')
  })

  it('turns an outage into a 401 reply', async () => {
    issuer.setOutage(true)
    const failures: string[] = []
    const verifier = remote({}, { onFailure: (failure) => failures.push(failure.code) })
    const reply = await verifier.authenticate(`Bearer ${token()}`)
    expect(reply).toMatchObject({ ok: false, status: 401, error: 'invalid_token' })
    expect(failures).toEqual(['ERR_JWKS_FETCH_FAILED'])
  })

  it('keeps local keys working while the JWKS is down', async () => {
    issuer.setOutage(true)
    const local = keyPair('jwks-local')
    const verifier = new JwtVerifier({
      keys: [{ jwksUrl: issuer.url }, { pem: local.spki, kid: 'local' }],
      clock: time.clock,
    })
    const localToken = signToken(
      { alg: 'RS256', kid: 'local' },
      claims({ exp: NOW + 60 }),
      local.privateKey,
    )
    expect(await codeOf(verifier.verify(localToken))).toBe('accepted')
    expect(await codeOf(verifier.verify(token()))).toBe('ERR_JWKS_FETCH_FAILED')
  })

  it('rejects bad remote options at construction', () => {
    expect(() => remote({ maxAgeSeconds: 601 })).toThrow(RangeError)
    expect(() => remote({ timeoutMs: 0 })).toThrow(RangeError)
    expect(() => remote({ cooldownSeconds: -1 })).toThrow(RangeError)
    expect(() => remote({ maxKeys: 1.5 })).toThrow(RangeError)
    expect(() => remote({ staleSeconds: '1h' as never })).toThrow(TypeError)
  })
})
