import { describe, expect, it } from 'vitest'
import { JwtVerificationError } from '../../src/errors.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions } from '../../src/jwt/types.js'
import { claims, clockAt, keyPair, NOW, signToken } from './fixtures.js'

const rsa = keyPair('claims')

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ keys: [{ pem: rsa.spki }], clock: clockAt(), ...options })
}

function token(payload: unknown, header: Record<string, unknown> = {}): string {
  return signToken({ alg: 'RS256', ...header }, payload, rsa.privateKey)
}

async function outcome(
  options: Partial<JwtVerifierOptions>,
  payload: unknown,
  header: Record<string, unknown> = {},
): Promise<string> {
  try {
    await verifier(options).verify(token(payload, header))
    return 'ok'
  } catch (error) {
    if (!(error instanceof JwtVerificationError)) throw error
    return error.code
  }
}

describe('time claims', () => {
  it('requires exp by default', async () => {
    expect(await outcome({}, { sub: 'a' })).toBe('ERR_JWT_CLAIM_MISSING')
    expect(await outcome({ requireExpiration: false }, { sub: 'a' })).toBe('ok')
  })

  it('applies the leeway to exp', async () => {
    expect(await outcome({}, { exp: NOW - 59 })).toBe('ok')
    expect(await outcome({}, { exp: NOW - 60 })).toBe('ERR_JWT_EXPIRED')
    expect(await outcome({ leewaySeconds: 0 }, { exp: NOW })).toBe('ERR_JWT_EXPIRED')
    expect(await outcome({ leewaySeconds: 0 }, { exp: NOW + 1 })).toBe('ok')
  })

  it('applies the leeway to nbf', async () => {
    expect(await outcome({}, claims({ nbf: NOW + 60 }))).toBe('ok')
    expect(await outcome({}, claims({ nbf: NOW + 61 }))).toBe('ERR_JWT_NOT_YET_VALID')
  })

  it('rejects iat beyond the leeway in the future', async () => {
    expect(await outcome({}, claims({ iat: NOW + 60 }))).toBe('ok')
    expect(await outcome({}, claims({ iat: NOW + 61 }))).toBe('ERR_JWT_ISSUED_IN_FUTURE')
  })

  it('limits the token age', async () => {
    const options = { maxTokenAgeSeconds: 300, leewaySeconds: 0 }
    expect(await outcome(options, claims({ iat: NOW - 300 }))).toBe('ok')
    expect(await outcome(options, claims({ iat: NOW - 301 }))).toBe('ERR_JWT_TOO_OLD')
    expect(await outcome(options, { exp: NOW + 60 })).toBe('ERR_JWT_CLAIM_MISSING')
  })

  it('rejects time claims that are not finite numbers', async () => {
    for (const claim of ['exp', 'nbf', 'iat']) {
      for (const value of ['1767225600', null, true, false, [], {}]) {
        expect(
          await outcome({}, claims({ [claim]: value })),
          `${claim}=${JSON.stringify(value)}`,
        ).toBe('ERR_JWT_CLAIMS_INVALID')
      }
    }
  })

  it('rejects 1e400 as a time claim', async () => {
    // JSON.parse reads 1e400 as Infinity, which JSON.stringify cannot write, so the JSON is literal.
    const payloads = {
      exp: '{"sub":"a","exp":1e400}',
      nbf: `{"sub":"a","exp":${NOW + 60},"nbf":1e400}`,
      iat: `{"sub":"a","exp":${NOW + 60},"iat":1e400}`,
    }
    for (const [claim, json] of Object.entries(payloads)) {
      await expect(verifier().verify(token(json))).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIMS_INVALID',
        details: { claim },
      })
    }
  })
})

describe('issuer and audience', () => {
  it('requires a configured issuer', async () => {
    const options = { issuer: ['https://a.example', 'https://b.example'] }
    expect(await outcome(options, claims({ iss: 'https://b.example' }))).toBe('ok')
    expect(await outcome(options, claims())).toBe('ERR_JWT_CLAIM_MISSING')
    expect(await outcome(options, claims({ iss: 'https://c.example' }))).toBe(
      'ERR_JWT_ISSUER_INVALID',
    )
  })

  it('rejects iss as an array', async () => {
    const options = { issuer: 'https://a.example' }
    expect(await outcome(options, claims({ iss: ['https://a.example'] }))).toBe(
      'ERR_JWT_ISSUER_INVALID',
    )
  })

  it('accepts aud as a string or an array', async () => {
    const options = { audience: ['gateway', 'admin'] }
    expect(await outcome(options, claims({ aud: 'admin' }))).toBe('ok')
    expect(await outcome(options, claims({ aud: ['other', 'gateway'] }))).toBe('ok')
    expect(await outcome(options, claims({ aud: ['other'] }))).toBe('ERR_JWT_AUDIENCE_INVALID')
    expect(await outcome(options, claims())).toBe('ERR_JWT_CLAIM_MISSING')
  })

  it('rejects aud as an empty array', async () => {
    expect(await outcome({ audience: 'gateway' }, claims({ aud: [] }))).toBe(
      'ERR_JWT_AUDIENCE_INVALID',
    )
  })

  it('rejects aud arrays with non-strings', async () => {
    const options = { audience: 'gateway' }
    expect(await outcome(options, claims({ aud: ['gateway', 7] }))).toBe('ERR_JWT_AUDIENCE_INVALID')
  })

  it('leaves iss and aud alone when not configured', async () => {
    expect(await outcome({}, claims({ iss: 5, aud: { x: 1 } }))).toBe('ok')
  })
})

describe('other claims and header rules', () => {
  it('checks requiredClaims', async () => {
    const options = { requiredClaims: ['jti', 'sub'] }
    expect(await outcome(options, claims({ jti: 'id' }))).toBe('ok')
    expect(await outcome(options, claims())).toBe('ERR_JWT_CLAIM_MISSING')
  })

  it('compares typ as a media type', async () => {
    const options = { typ: 'at+jwt' }
    expect(await outcome(options, claims(), { typ: 'at+jwt' })).toBe('ok')
    expect(await outcome(options, claims(), { typ: 'application/AT+JWT' })).toBe('ok')
    expect(await outcome(options, claims(), { typ: 'JWT' })).toBe('ERR_JWT_TYP_INVALID')
    expect(await outcome(options, claims())).toBe('ERR_JWT_TYP_INVALID')
    expect(await outcome({}, claims(), { typ: 'anything' })).toBe('ok')
  })

  it('rejects crit members not listed', async () => {
    expect(await outcome({}, claims(), { crit: ['exp'], exp: 1 })).toBe('ERR_JWT_CRIT_UNSUPPORTED')
    expect(await outcome({ crit: ['exp'] }, claims(), { crit: ['exp'], exp: 1 })).toBe('ok')
    expect(await outcome({ crit: ['exp'] }, claims(), { crit: ['exp'] })).toBe(
      'ERR_JWT_HEADER_INVALID',
    )
    expect(await outcome({ crit: ['exp'] }, claims(), { crit: [] })).toBe('ERR_JWT_HEADER_INVALID')
    expect(await outcome({ crit: ['exp'] }, claims(), { crit: 'exp' })).toBe(
      'ERR_JWT_HEADER_INVALID',
    )
  })

  it('rejects an unencoded payload', async () => {
    expect(await outcome({}, claims(), { crit: ['b64'], b64: false })).toBe(
      'ERR_JWT_CRIT_UNSUPPORTED',
    )
    expect(await outcome({}, claims(), { crit: ['b64'], b64: true })).toBe('ok')
  })

  it('rejects a payload that is not a JSON object', async () => {
    for (const payload of ['[1,2]', 'null', '"text"', '{"a":', '42']) {
      expect(await outcome({}, payload)).toBe('ERR_JWT_MALFORMED')
    }
  })
})
