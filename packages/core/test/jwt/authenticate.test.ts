import { describe, expect, it, vi } from 'vitest'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions, VerificationFailure } from '../../src/jwt/types.js'
import type { Logger } from '../../src/support/logger.js'
import { claims, clockAt, keyPair, signToken } from './fixtures.js'

const rsa = keyPair('authenticate')
const BODY = '{"error":"Unauthorized","message":"A valid bearer token is required."}'

function logger(): {
  logger: Logger
  debug: ReturnType<typeof vi.fn>
  error: ReturnType<typeof vi.fn>
} {
  const debug = vi.fn()
  const error = vi.fn()
  return { logger: { debug, info: vi.fn(), warn: vi.fn(), error }, debug, error }
}

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ keys: [{ pem: rsa.spki }], clock: clockAt(), ...options })
}

const valid = signToken({ alg: 'RS256', kid: 'k1' }, claims(), rsa.privateKey)
const expired = signToken({ alg: 'RS256', kid: 'k1' }, claims({ exp: 1 }), rsa.privateKey)

describe('JwtVerifier.authenticate', () => {
  it('returns the verified result', async () => {
    const result = await verifier().authenticate(`Bearer ${valid}`)
    expect(result.ok).toBe(true)
    expect(result).toMatchObject({ payload: { sub: 'user-1' } })
  })

  it('accepts the scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      expect((await verifier().authenticate(`${scheme} ${valid}`)).ok).toBe(true)
    }
  })

  it('challenges a request without credentials', async () => {
    for (const header of [undefined, '']) {
      expect(await verifier().authenticate(header)).toEqual({
        ok: false,
        status: 401,
        headers: {
          'www-authenticate': 'Bearer realm="harmony"',
          'content-type': 'application/json',
        },
        body: BODY,
        code: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING',
      })
    }
  })

  it('rejects a malformed header as invalid_request', async () => {
    const headers: (string | string[])[] = [
      `Basic ${valid}`,
      'Bearer',
      'Bearer ',
      `Bearer  ${valid}`,
      ` Bearer ${valid}`,
      `Bearer ${valid} `,
      `Bearer ${valid} ${valid}`,
      `Bearer\t${valid}`,
      `Bearer ${valid},`,
      [`Bearer ${valid}`, `Bearer ${valid}`],
    ]
    for (const header of headers) {
      const result = await verifier().authenticate(header)
      expect(result).toMatchObject({
        ok: false,
        status: 401,
        error: 'invalid_request',
        headers: { 'www-authenticate': 'Bearer realm="harmony", error="invalid_request"' },
        code: 'ERR_JWT_AUTHORIZATION_HEADER_INVALID',
      })
    }
  })

  it('rejects a failed token as invalid_token', async () => {
    const result = await verifier().authenticate(`Bearer ${expired}`)
    expect(result).toEqual({
      ok: false,
      status: 401,
      headers: {
        'www-authenticate': 'Bearer realm="harmony", error="invalid_token"',
        'content-type': 'application/json',
      },
      body: BODY,
      error: 'invalid_token',
      code: 'ERR_JWT_EXPIRED',
    })
  })

  it('keeps the reason out of the reply', async () => {
    const result = await verifier().authenticate(`Bearer ${expired}`)
    const reply = JSON.stringify(!result.ok && [result.headers, result.body])
    expect(reply).not.toContain('ERR_')
    expect(reply).not.toContain('exp')
  })

  it('reports the code to the logger and onFailure', async () => {
    const log = logger()
    const failures: VerificationFailure[] = []
    const target = verifier({ logger: log.logger, onFailure: (failure) => failures.push(failure) })
    await target.authenticate(`Bearer ${expired}`)
    await target.authenticate(undefined)
    expect(failures).toEqual([
      { code: 'ERR_JWT_EXPIRED', claim: 'exp' },
      { code: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING' },
    ])
    expect(log.debug).toHaveBeenCalledWith(
      { code: 'ERR_JWT_EXPIRED', claim: 'exp' },
      'bearer token rejected',
    )
    expect(JSON.stringify(log.debug.mock.calls)).not.toContain(expired.split('.')[2])
  })

  it('reports the kid of a failed token', async () => {
    const failures: VerificationFailure[] = []
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'real' } as never
    const target = verifier({ keys: [{ jwk }], onFailure: (failure) => failures.push(failure) })
    await target.authenticate(`Bearer ${valid}`)
    expect(failures).toEqual([{ code: 'ERR_JWT_KEY_NOT_FOUND', kid: 'k1' }])
  })

  it('survives a logger that throws', async () => {
    const throwing = (): never => {
      throw new Error('log sink down')
    }
    const target = verifier({
      logger: { debug: throwing, info: throwing, warn: throwing, error: throwing },
      onFailure: () => {
        throw new Error('metrics down')
      },
    })
    const result = await target.authenticate(`Bearer ${expired}`)
    expect(result.ok).toBe(false)
    expect(result).toMatchObject({ status: 401 })
  })

  it('survives an onFailure hook that throws', async () => {
    const log = logger()
    const target = verifier({
      logger: log.logger,
      onFailure: () => {
        throw new Error('metrics backend down')
      },
    })
    const result = await target.authenticate(`Bearer ${expired}`)
    expect(result.ok).toBe(false)
    expect(log.error).toHaveBeenCalledTimes(1)
  })

  it('survives an async onFailure hook that rejects', async () => {
    const log = logger()
    const target = verifier({
      logger: log.logger,
      // Callers without type-checked lint rules can pass an async hook, so it must be handled.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      onFailure: () => Promise.reject(new Error('metrics backend down')),
    })
    const result = await target.authenticate(`Bearer ${expired}`)
    expect(result.ok).toBe(false)
    await vi.waitFor(() => expect(log.error).toHaveBeenCalledTimes(1))
    expect(log.error.mock.calls[0]![0]).toMatchObject({ code: 'ERR_JWT_EXPIRED' })
  })
})
