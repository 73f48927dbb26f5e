import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigurationError, JwtVerificationError } from '../../src/errors.js'
import { Secret } from '../../src/secrets/secret.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions } from '../../src/jwt/types.js'
import { claims, clockAt, keyPair, NOW, signToken } from './fixtures.js'

const rsa = keyPair('main')
const other = keyPair('other')
const ec = keyPair('ec', 'ec')
const ed = keyPair('ed', 'ed25519')
const clock = clockAt()
const secret = 'a-test-secret-that-is-32-bytes!!'
const folder = mkdtempSync(join(tmpdir(), 'jwt-verifier-'))

afterAll(() => rmSync(folder, { recursive: true, force: true }))

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ keys: [{ pem: rsa.spki }], clock, ...options })
}

function rs256(payload: unknown = claims(), header: Record<string, unknown> = {}): string {
  return signToken({ alg: 'RS256', ...header }, payload, rsa.privateKey)
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

function configCode(options: JwtVerifierOptions): string | undefined {
  try {
    new JwtVerifier(options)
    return undefined
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    return error.code
  }
}

describe('JwtVerifier key sources', () => {
  it('accepts an SPKI PEM key', async () => {
    const { payload, key } = await verifier().verify(rs256())
    expect(payload.sub).toBe('user-1')
    expect(key).toEqual({ algorithm: 'RS256', source: 'pem' })
  })

  it('accepts a PKCS#1 PEM key', async () => {
    const pem = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string
    expect(pem).toContain('BEGIN RSA PUBLIC KEY')
    await expect(verifier({ keys: [{ pem }] }).verify(rs256())).resolves.toBeDefined()
  })

  it('accepts PEM bytes', async () => {
    const pem = new TextEncoder().encode(rsa.spki)
    await expect(verifier({ keys: [{ pem }] }).verify(rs256())).resolves.toBeDefined()
  })

  it('accepts an X.509 certificate', async () => {
    const keyFile = join(folder, 'cert-key.pem')
    writeFileSync(keyFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const certificate = execFileSync('openssl', [
      ...['req', '-x509', '-key', keyFile, '-subj', '/CN=harmony-test', '-days', '1'],
    ]).toString()
    const result = await verifier({ keys: [{ certificate }] }).verify(rs256())
    expect(result.key.source).toBe('certificate')
  })

  it('accepts a JWK and takes its kid', async () => {
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1' } as never
    const result = await verifier({ keys: [{ jwk }] }).verify(rs256(claims(), { kid: 'k1' }))
    expect(result.key).toEqual({ kid: 'k1', algorithm: 'RS256', source: 'jwk' })
  })

  it('chooses from a local JWKS by kid', async () => {
    const keys = [
      { ...other.publicKey.export({ format: 'jwk' }), kid: 'old' },
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'new' },
    ] as never[]
    const local = verifier({ keys: [{ jwks: { keys } }] })
    expect((await local.verify(rs256(claims(), { kid: 'new' }))).key.kid).toBe('new')
    expect(await codeOf(local.verify(rs256(claims(), { kid: 'old' })))).toBe(
      'ERR_JWT_SIGNATURE_INVALID',
    )
  })

  it('reads a PEM file and reloads it', async () => {
    const path = join(folder, 'key.pem')
    writeFileSync(path, rsa.spki)
    const fromFile = verifier({ keys: [{ path }] })
    const token = rs256()
    expect((await fromFile.verify(token)).key.source).toBe('path')

    writeFileSync(path, other.spki)
    await fromFile.reload()
    expect(await codeOf(fromFile.verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')
    const otherToken = signToken({ alg: 'RS256' }, claims(), other.privateKey)
    await expect(fromFile.verify(otherToken)).resolves.toBeDefined()
  })

  it('keeps the old key when a reload fails', async () => {
    const path = join(folder, 'reload.pem')
    writeFileSync(path, rsa.spki)
    const fromFile = verifier({ keys: [{ path }] })
    writeFileSync(path, 'not a key')
    await expect(fromFile.reload()).rejects.toMatchObject({ code: 'ERR_CONFIG_KEY_INVALID' })
    await expect(fromFile.verify(rs256())).resolves.toBeDefined()
  })

  it('rejects a missing key file at construction', () => {
    expect(configCode({ keys: [{ path: join(folder, 'absent.pem') }] })).toBe(
      'ERR_CONFIG_KEY_INVALID',
    )
  })
})

describe('JwtVerifier key choice', () => {
  const jwkOf = (kid: string, pair = rsa): never =>
    ({ ...pair.publicKey.export({ format: 'jwk' }), kid }) as never

  it('falls back to the key without kid', async () => {
    const result = await verifier().verify(rs256(claims(), { kid: 'unlisted' }))
    expect(result.key.source).toBe('pem')
  })

  it('rejects an unknown kid when every key has one', async () => {
    const keyed = verifier({ keys: [{ jwk: jwkOf('a') }] })
    expect(await codeOf(keyed.verify(rs256(claims(), { kid: 'b' })))).toBe('ERR_JWT_KEY_NOT_FOUND')
  })

  it('accepts a token without kid when one key fits', async () => {
    const keyed = verifier({ keys: [{ jwk: jwkOf('a') }] })
    await expect(keyed.verify(rs256())).resolves.toBeDefined()
  })

  it('rejects a token without kid when two keys fit', async () => {
    const two = verifier({ keys: [{ jwk: jwkOf('a') }, { jwk: jwkOf('b', other) }] })
    expect(await codeOf(two.verify(rs256()))).toBe('ERR_JWT_KEY_AMBIGUOUS')
  })

  it('rejects keys that no token could tell apart', () => {
    // Both keys would match every token that reaches them, so each such token fails as ambiguous.
    const bare = [{ pem: rsa.spki }, { pem: other.spki }]
    expect(configCode({ keys: bare })).toBe('ERR_CONFIG_KEY_INVALID')
    const sameKid = [{ jwk: jwkOf('a') }, { jwk: jwkOf('a', other) }]
    expect(configCode({ keys: sameKid })).toBe('ERR_CONFIG_KEY_INVALID')
    const pinnedApart = [
      { pem: rsa.spki, algorithm: 'RS256' as const },
      { pem: other.spki, algorithm: 'PS256' as const },
    ]
    expect(configCode({ keys: pinnedApart, algorithms: ['RS256', 'PS256'] })).toBeUndefined()
  })

  it('rejects an alg that does not fit the matched key', async () => {
    const mixed = verifier({
      algorithms: ['RS256', 'ES256'],
      keys: [{ jwk: jwkOf('rsa') }, { jwk: jwkOf('ec', ec) }],
    })
    const token = signToken({ alg: 'ES256', kid: 'rsa' }, claims(), ec.privateKey)
    expect(await codeOf(mixed.verify(token))).toBe('ERR_JWT_ALG_NOT_ALLOWED')
  })

  it('honours a pinned key algorithm', async () => {
    const pinned = verifier({
      algorithms: ['RS256', 'PS256'],
      keys: [{ pem: rsa.spki, algorithm: 'RS256' }],
    })
    const ps256 = signToken({ alg: 'PS256' }, claims(), rsa.privateKey)
    expect(await codeOf(pinned.verify(ps256))).toBe('ERR_JWT_KEY_NOT_FOUND')
    await expect(pinned.verify(rs256())).resolves.toBeDefined()
  })

  it('honours the alg member of a JWK', async () => {
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'PS256' } as never
    const pinned = verifier({ algorithms: ['RS256', 'PS256'], keys: [{ jwk }] })
    expect(await codeOf(pinned.verify(rs256(claims(), { kid: 'k' })))).toBe(
      'ERR_JWT_ALG_NOT_ALLOWED',
    )
  })
})

describe('JwtVerifier algorithms', () => {
  it('accepts PS256 when listed', async () => {
    const token = signToken({ alg: 'PS256' }, claims(), rsa.privateKey)
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_ALG_NOT_ALLOWED')
    const result = await verifier({ algorithms: ['PS256'] }).verify(token)
    expect(result.key.algorithm).toBe('PS256')
  })

  it('accepts ES256 when listed', async () => {
    const token = signToken({ alg: 'ES256' }, claims(), ec.privateKey)
    const result = await verifier({ algorithms: ['ES256'], keys: [{ pem: ec.spki }] }).verify(token)
    expect(result.key.algorithm).toBe('ES256')
  })

  it('accepts EdDSA when listed', async () => {
    const token = signToken({ alg: 'EdDSA' }, claims(), ed.privateKey)
    const result = await verifier({ algorithms: ['EdDSA'], keys: [{ pem: ed.spki }] }).verify(token)
    expect(result.key.algorithm).toBe('EdDSA')
  })

  it('rejects an ES256 signature in DER form', async () => {
    const header = Buffer.from('{"alg":"ES256"}').toString('base64url')
    const payload = Buffer.from(JSON.stringify(claims())).toString('base64url')
    const der = sign('sha256', Buffer.from(`${header}.${payload}`), ec.privateKey)
    const token = `${header}.${payload}.${der.toString('base64url')}`
    const es = verifier({ algorithms: ['ES256'], keys: [{ pem: ec.spki }] })
    expect(await codeOf(es.verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('tries HS256 secrets in order', async () => {
    const hs = new JwtVerifier({
      hs256: { secrets: [Secret.from('n'.repeat(32)), secret, new Uint8Array(40).fill(7)] },
      clock,
    })
    await expect(hs.verify(signToken({ alg: 'HS256' }, claims(), secret))).resolves.toBeDefined()
    const bytesToken = signToken({ alg: 'HS256' }, claims(), new Uint8Array(40).fill(7))
    expect((await hs.verify(bytesToken)).key).toEqual({ algorithm: 'HS256', source: 'hs256' })
    const wrong = signToken({ alg: 'HS256' }, claims(), 'w'.repeat(32))
    expect(await codeOf(hs.verify(wrong))).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('accepts HS256 and RS256 side by side', async () => {
    const both = verifier({ hs256: { secrets: [secret] } })
    await expect(both.verify(rs256())).resolves.toBeDefined()
    await expect(both.verify(signToken({ alg: 'HS256' }, claims(), secret))).resolves.toBeDefined()
  })
})

describe('JwtVerifier configuration', () => {
  it('requires a key for RS256', () => {
    expect(configCode({})).toBe('ERR_CONFIG_NO_VERIFICATION_KEY')
    expect(configCode({ keys: [] })).toBe('ERR_CONFIG_NO_VERIFICATION_KEY')
  })

  it('requires secrets for HS256', () => {
    expect(configCode({ algorithms: ['HS256'] })).toBe('ERR_CONFIG_NO_VERIFICATION_KEY')
    expect(configCode({ hs256: { secrets: [] } })).toBe('ERR_CONFIG_NO_VERIFICATION_KEY')
  })

  it('rejects an HS256 secret under 32 bytes', () => {
    expect(configCode({ hs256: { secrets: ['s'.repeat(31)] } })).toBe('ERR_CONFIG_KEY_INVALID')
  })

  it('rejects secrets that HS256 would never use', () => {
    const options = {
      keys: [{ pem: rsa.spki }],
      algorithms: ['RS256' as const],
      hs256: { secrets: [secret] },
    }
    expect(configCode(options)).toBe('ERR_CONFIG_INVALID')
  })

  it('rejects none and unknown algorithms', () => {
    for (const algorithm of ['none', 'NONE', 'HS512', 'RS384']) {
      expect(() => verifier({ algorithms: [algorithm as never] })).toThrow(RangeError)
    }
  })

  it('rejects leeway outside 0 to 300', () => {
    expect(() => verifier({ leewaySeconds: -1 })).toThrow(RangeError)
    expect(() => verifier({ leewaySeconds: 301 })).toThrow(RangeError)
    expect(() => verifier({ leewaySeconds: Number.NaN })).toThrow(TypeError)
    expect(() => verifier({ leewaySeconds: '60' as never })).toThrow(TypeError)
    expect(() => verifier({ leewaySeconds: 0 })).not.toThrow()
    expect(() => verifier({ leewaySeconds: 300 })).not.toThrow()
  })

  it('rejects empty issuers and audiences', () => {
    const base = { keys: [{ pem: rsa.spki }] }
    expect(configCode({ ...base, issuer: '' })).toBe('ERR_CONFIG_INVALID')
    expect(configCode({ ...base, issuer: [] })).toBe('ERR_CONFIG_INVALID')
    expect(configCode({ ...base, audience: [''] })).toBe('ERR_CONFIG_INVALID')
    expect(configCode({ ...base, audience: [] })).toBe('ERR_CONFIG_INVALID')
    expect(() => verifier({ issuer: 5 as never })).toThrow(TypeError)
  })

  it('rejects options of the wrong type', () => {
    expect(() => new JwtVerifier(undefined as never)).toThrow(TypeError)
    expect(() => verifier({ keys: {} as never })).toThrow(TypeError)
    expect(() => verifier({ keys: [{}] as never })).toThrow(TypeError)
    expect(() => verifier({ keys: [{ pem: rsa.spki, jwk: {} }] as never })).toThrow(TypeError)
    expect(() => verifier({ clock: 'now' as never })).toThrow(TypeError)
    expect(() => verifier({ maxTokenBytes: 0 })).toThrow(RangeError)
    expect(() => verifier({ cache: 'yes' as never })).toThrow(TypeError)
    expect(() => verifier({ requireExpiration: 'no' as never })).toThrow(TypeError)
  })

  it('rejects unusable keys', () => {
    const weak = generateWeakRsa()
    expect(configCode({ keys: [{ pem: weak }] })).toBe('ERR_CONFIG_KEY_INVALID')
    const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    expect(configCode({ keys: [{ pem: privatePem }] })).toBe('ERR_CONFIG_KEY_INVALID')
    expect(configCode({ keys: [{ pem: ec.spki }] })).toBe('ERR_CONFIG_KEY_INVALID')
    expect(configCode({ keys: [{ jwk: { kty: 'oct', k: 'c2VjcmV0' } }] })).toBe(
      'ERR_CONFIG_KEY_INVALID',
    )
    const privateJwk = rsa.privateKey.export({ format: 'jwk' }) as never
    expect(configCode({ keys: [{ jwk: privateJwk }] })).toBe('ERR_CONFIG_KEY_INVALID')
    const encryption = { ...rsa.publicKey.export({ format: 'jwk' }), use: 'enc' } as never
    expect(configCode({ keys: [{ jwk: encryption }] })).toBe('ERR_CONFIG_KEY_INVALID')
  })

  it('rejects an RSA key with a weak exponent', () => {
    const { n } = rsa.publicKey.export({ format: 'jwk' })
    // e = 1 makes the padded message its own signature, so anyone could sign; e = 2 is not RSA.
    for (const e of ['AQ', 'Ag', 'AQAA']) {
      expect(configCode({ keys: [{ jwk: { kty: 'RSA', n: n!, e } }] }), e).toBe(
        'ERR_CONFIG_KEY_INVALID',
      )
    }
    expect(configCode({ keys: [{ jwk: { kty: 'RSA', n: n!, e: 'Aw' } }] })).toBeUndefined()
  })

  it('verifies with an RSA modulus of odd byte length', async () => {
    // 2050 bits take 257 bytes, so the signature length must be rounded up.
    const odd = generateKeyPairSync('rsa', { modulusLength: 2050 })
    expect(odd.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2050)
    const pem = odd.publicKey.export({ type: 'spki', format: 'pem' }) as string
    const token = signToken({ alg: 'RS256' }, claims(), odd.privateKey)
    const { key } = await verifier({ keys: [{ pem }] }).verify(token)
    expect(key.algorithm).toBe('RS256')
  })

  it('rejects a JWKS URL without https', () => {
    expect(configCode({ keys: [{ jwksUrl: 'http://idp.example/jwks' }] })).toBe(
      'ERR_CONFIG_INVALID',
    )
    expect(configCode({ keys: [{ jwksUrl: 'ftp://127.0.0.1/jwks' }] })).toBe('ERR_CONFIG_INVALID')
    expect(configCode({ keys: [{ jwksUrl: 'https://u:p@idp.example/jwks' }] })).toBe(
      'ERR_CONFIG_INVALID',
    )
    expect(() => new JwtVerifier({ keys: [{ jwksUrl: 'http://127.0.0.1:1/jwks' }] })).not.toThrow()
    expect(() => new JwtVerifier({ keys: [{ jwksUrl: 'http://[::1]:1/jwks' }] })).not.toThrow()
    expect(() => new JwtVerifier({ keys: [{ jwksUrl: 'http://localhost:1/jwks' }] })).not.toThrow()
    expect(() => new JwtVerifier({ keys: [{ jwksUrl: 'not a url' }] })).toThrow(TypeError)
  })
})

describe('JwtVerifier clock', () => {
  it('rejects a clock that returns no valid Date', () => {
    expect(() => verifier({ clock: (() => Date.now()) as never })).toThrow(TypeError)
    expect(() => verifier({ clock: () => new Date(Number.NaN) })).toThrow(TypeError)
  })

  it('fails closed when the clock breaks later', async () => {
    let broken = false
    const target = verifier({ clock: () => (broken ? new Date(Number.NaN) : clock()) })
    const expired = rs256(claims({ exp: NOW - 3600 }))
    expect(await codeOf(target.verify(expired))).toBe('ERR_JWT_EXPIRED')

    broken = true
    const error = await target.verify(expired).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID' })
    const reply = await target.authenticate(`Bearer ${rs256()}`)
    expect(reply).toMatchObject({ ok: false, status: 401, code: 'ERR_CONFIG_INVALID' })
  })
})

function generateWeakRsa(): string {
  // Node still generates 1024-bit RSA keys, which the verifier must reject.
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  return publicKey.export({ type: 'spki', format: 'pem' }) as string
}
