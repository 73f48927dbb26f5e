import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, JwtVerificationError } from '../../src/errors.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions } from '../../src/jwt/types.js'
import { isInsideWindow } from '../../src/jwt/secret-window.js'
import { claims, manualClock, NOW, signToken } from './fixtures.js'

const current = 'current-secret-of-32-bytes-or-so!'
const previous = 'previous-secret-of-32-bytes-or-so'
const windowEnd = new Date((NOW + 3600) * 1000)

function hs256(options: Partial<JwtVerifierOptions>, clock: () => Date): JwtVerifier {
  return new JwtVerifier({ algorithms: ['HS256'], clock, ...options })
}

function tokenFor(secret: string, offsetSeconds = 0): string {
  const iat = NOW + offsetSeconds
  return signToken({ alg: 'HS256' }, claims({ iat, exp: iat + 600 }), secret)
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(JwtVerificationError)
    return (error as JwtVerificationError).code
  }
}

function constructionError(options: Partial<JwtVerifierOptions>, nowSeconds = NOW): unknown {
  try {
    hs256(options, manualClock(nowSeconds).clock)
  } catch (error) {
    return error
  }
  return undefined
}

describe('isInsideWindow', () => {
  it('is true only before the window end', () => {
    expect(isInsideWindow(1000, 999)).toBe(true)
    expect(isInsideWindow(1000, 1000)).toBe(false)
    expect(isInsideWindow(1000, 1001)).toBe(false)
    expect(isInsideWindow(Infinity, Number.MAX_SAFE_INTEGER)).toBe(true)
  })
})

describe('JwtVerifier timed HS256 secrets', () => {
  it('accepts the previous secret before notAfter', async () => {
    const time = manualClock()
    const verifier = hs256(
      { hs256: { secrets: [current, { secret: previous, notAfter: windowEnd }] } },
      time.clock,
    )
    time.advance(3599)
    const result = await verifier.verify(tokenFor(previous, 3599))
    expect(result.key).toEqual({ algorithm: 'HS256', source: 'hs256' })
  })

  it('rejects the previous secret at notAfter', async () => {
    const time = manualClock()
    const verifier = hs256(
      { hs256: { secrets: [current, { secret: previous, notAfter: windowEnd }] } },
      time.clock,
    )
    time.advance(3600)
    expect(await codeOf(verifier.verify(tokenFor(previous, 3600)))).toBe(
      'ERR_JWT_SIGNATURE_INVALID',
    )
    await expect(verifier.verify(tokenFor(current, 3600))).resolves.toBeDefined()
  })

  it('rejects the previous secret after notAfter', async () => {
    const time = manualClock()
    const verifier = hs256(
      { hs256: { secrets: [current, { secret: previous, notAfter: windowEnd }] } },
      time.clock,
    )
    time.advance(7200)
    expect(await codeOf(verifier.verify(tokenFor(previous, 7200)))).toBe(
      'ERR_JWT_SIGNATURE_INVALID',
    )
    await expect(verifier.verify(tokenFor(current, 7200))).resolves.toBeDefined()
  })

  it('accepts both secrets in either order', async () => {
    const time = manualClock()
    for (const secrets of [
      [current, { secret: previous, notAfter: windowEnd }],
      [{ secret: previous, notAfter: windowEnd }, current],
    ]) {
      const verifier = hs256({ hs256: { secrets } }, time.clock)
      await expect(verifier.verify(tokenFor(current))).resolves.toBeDefined()
      await expect(verifier.verify(tokenFor(previous))).resolves.toBeDefined()
    }
  })

  it('skips an ended secret listed first', async () => {
    const time = manualClock()
    const verifier = hs256(
      { hs256: { secrets: [{ secret: previous, notAfter: windowEnd }, current] } },
      time.clock,
    )
    time.advance(3600)
    expect(await codeOf(verifier.verify(tokenFor(previous, 3600)))).toBe(
      'ERR_JWT_SIGNATURE_INVALID',
    )
    await expect(verifier.verify(tokenFor(current, 3600))).resolves.toBeDefined()
  })

  it('drops cached results at notAfter', async () => {
    const time = manualClock()
    const verifier = hs256(
      {
        hs256: { secrets: [current, { secret: previous, notAfter: windowEnd }] },
        cache: { ttlSeconds: 86_400 },
      },
      time.clock,
    )
    const token = signToken({ alg: 'HS256' }, claims({ exp: NOW + 7200 }), previous)
    const first = await verifier.verify(token)
    expect(await verifier.verify(token)).toBe(first)
    time.advance(3600)
    expect(await codeOf(verifier.verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('drops entries already ended at construction', async () => {
    const time = manualClock(NOW + 3600)
    const verifier = hs256(
      { hs256: { secrets: [current, { secret: previous, notAfter: windowEnd }] } },
      time.clock,
    )
    time.advance(-3600)
    expect(await codeOf(verifier.verify(tokenFor(previous)))).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('fails construction when every secret has ended', () => {
    const error = constructionError(
      { hs256: { secrets: [{ secret: previous, notAfter: windowEnd }] } },
      NOW + 3600,
    )
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as ConfigurationError).code).toBe('ERR_CONFIG_NO_VERIFICATION_KEY')
  })

  it('checks timed entries at construction', () => {
    const cases: [unknown, ErrorConstructor | RangeErrorConstructor][] = [
      [{ secret: previous, notAfter: windowEnd.toISOString() }, TypeError],
      [{ secret: previous, notAfter: windowEnd.getTime() }, TypeError],
      [{ secret: previous }, TypeError],
      [{ notAfter: windowEnd }, TypeError],
      [{ secret: 42, notAfter: windowEnd }, TypeError],
      [{ secret: previous, notAfter: new Date(Number.NaN) }, RangeError],
      [null, TypeError],
    ]
    for (const [entry, expected] of cases) {
      const error = constructionError({ hs256: { secrets: [current, entry as string] } })
      expect(error, inspect(entry)).toBeInstanceOf(expected)
    }
  })

  it('checks the length of a timed secret', () => {
    const error = constructionError({
      hs256: { secrets: [current, { secret: 's'.repeat(31), notAfter: windowEnd }] },
    })
    expect((error as ConfigurationError).code).toBe('ERR_CONFIG_KEY_INVALID')
  })

  it('keeps timed secrets out of errors', () => {
    const canary = 'CANARY-timed-secret-0123456789abcdef'
    const errors = [
      constructionError(
        { hs256: { secrets: [{ secret: canary, notAfter: windowEnd }] } },
        NOW + 3600,
      ),
      constructionError({
        hs256: { secrets: [{ secret: canary, notAfter: new Date(Number.NaN) }] },
      }),
      constructionError({ hs256: { secrets: [{ secret: canary, notAfter: 'soon' }] } } as never),
    ]
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error)
      expect(inspect(error, { depth: 5 })).not.toContain('CANARY')
      expect(JSON.stringify(error)).not.toContain('CANARY')
      expect(String(error)).not.toContain('CANARY')
    }
  })
})
