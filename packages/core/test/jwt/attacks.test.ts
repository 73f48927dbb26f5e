import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError, JwtVerificationError } from '../../src/errors.js'
import { JwtVerifier } from '../../src/jwt/verifier.js'
import type { JwtVerifierOptions } from '../../src/jwt/types.js'
import { base64url, claims, clockAt, keyPair, signToken } from './fixtures.js'

const rsa = keyPair('attack-victim')
const attacker = keyPair('attacker')
const clock = clockAt()
const secret = 'a-test-secret-that-is-32-bytes!!'

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ keys: [{ pem: rsa.spki }], clock, ...options })
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    expect(error).toBeInstanceOf(JwtVerificationError)
    return (error as JwtVerificationError).code
  }
}

describe('alg none', () => {
  const spellings = ['none', 'None', 'NONE', 'nOnE', 'NoNe', 'none ', '']
  const verifiers = [verifier(), verifier({ hs256: { secrets: [secret] } })]

  it('rejects every spelling, with or without a signature', async () => {
    for (const alg of spellings) {
      const unsigned = `${base64url(JSON.stringify({ alg }))}.${base64url(JSON.stringify(claims()))}.`
      const signed = `${unsigned}${base64url('x'.repeat(32))}`
      for (const target of verifiers) {
        expect(await codeOf(target.verify(unsigned)), alg).not.toBe('accepted')
        expect(await codeOf(target.verify(signed)), alg).not.toBe('accepted')
      }
    }
  })

  it('reports none as an algorithm that is not allowed', async () => {
    const token = `${base64url('{"alg":"none"}')}.${base64url(JSON.stringify(claims()))}.AAAA`
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_ALG_NOT_ALLOWED')
  })
})

describe('HS256 with the RSA public key as secret', () => {
  const pem = rsa.spki
  const der = rsa.publicKey.export({ type: 'spki', format: 'der' })
  const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string
  const forgedSecrets: (string | Uint8Array)[] = [
    pem,
    pem.trim(),
    `\n${pem}`,
    `  ${pem}`,
    pkcs1,
    der,
  ]

  it('rejects the forgery when only RS256 is allowed', async () => {
    for (const forged of forgedSecrets) {
      const token = signToken({ alg: 'HS256' }, claims(), forged)
      expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_ALG_NOT_ALLOWED')
    }
  })

  it('never uses the RSA key as an HMAC secret', async () => {
    const both = verifier({ hs256: { secrets: [secret] } })
    for (const forged of forgedSecrets) {
      const token = signToken({ alg: 'HS256' }, claims(), forged)
      expect(await codeOf(both.verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')
      const keyed = signToken({ alg: 'HS256', kid: 'rsa' }, claims(), forged)
      expect(await codeOf(both.verify(keyed))).toBe('ERR_JWT_SIGNATURE_INVALID')
    }
  })
})

describe('public key material as HS256 secret', () => {
  const jwkText = JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))
  const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
  const keyTexts: [string, string | Uint8Array][] = [
    ['SPKI PEM', rsa.spki],
    ['indented PEM', `  ${rsa.spki}`],
    ['PKCS#1 PEM', rsa.publicKey.export({ type: 'pkcs1', format: 'pem' })],
    ['SPKI DER', rsa.publicKey.export({ type: 'spki', format: 'der' })],
    ['PKCS#1 DER', rsa.publicKey.export({ type: 'pkcs1', format: 'der' })],
    ['JWK text', jwkText],
    ['certificate PEM', certificate],
  ]

  it('rejects it at construction', () => {
    for (const [name, keyText] of keyTexts) {
      const build = (): JwtVerifier =>
        new JwtVerifier({ keys: [{ pem: rsa.spki }], hs256: { secrets: [secret, keyText] } })
      expect(build, name).toThrow(ConfigurationError)
      expect(build, name).toThrow(/public key/)
    }
  })

  it('still accepts a random secret', () => {
    const random = randomBytes(32)
    expect(() => new JwtVerifier({ hs256: { secrets: [random] } })).not.toThrow()
  })
})

describe('keys named by the token', () => {
  let requests = 0
  let origin = ''
  const server = createServer((_request, response) => {
    requests++
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ keys: [attacker.publicKey.export({ format: 'jwk' })] }))
  })

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('ignores an embedded jwk', async () => {
    const jwk = attacker.publicKey.export({ format: 'jwk' })
    const token = signToken({ alg: 'RS256', jwk }, claims(), attacker.privateKey)
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')
  })

  it('fetches nothing from jku, x5u or x5c', async () => {
    const headers = [
      { jku: `${origin}/jwks.json` },
      { x5u: `${origin}/cert.pem` },
      { x5c: [base64url(attacker.publicKey.export({ type: 'spki', format: 'der' }))] },
    ]
    for (const header of headers) {
      const token = signToken({ alg: 'RS256', ...header }, claims(), attacker.privateKey)
      expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')
    }
    expect(requests).toBe(0)
  })
})

describe('hostile kid values', () => {
  const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'real' } as never
  // Room for the 10,000-character kid, which the default 8192-byte limit would reject first.
  const keyed = verifier({ keys: [{ jwk }], maxTokenBytes: 65_536 })

  it('rejects kid strings that match no key', async () => {
    const kids = [
      '../../../etc/passwd',
      "' OR '1'='1' --",
      'real\u0000',
      'REAL',
      'k'.repeat(10_000),
    ]
    for (const kid of kids) {
      const token = signToken({ alg: 'RS256', kid }, claims(), rsa.privateKey)
      expect(await codeOf(keyed.verify(token))).toBe('ERR_JWT_KEY_NOT_FOUND')
    }
  })

  it('truncates a long kid in error details', async () => {
    const token = signToken({ alg: 'RS256', kid: 'k'.repeat(10_000) }, claims(), rsa.privateKey)
    const error = (await keyed
      .verify(token)
      .catch((caught: unknown) => caught)) as JwtVerificationError
    expect(error.details.kid).toHaveLength(64)
    expect(error.message).not.toContain('kkkk')
  })

  it('rejects a kid that is not a string', async () => {
    for (const kid of [42, { $ne: null }, ['real'], null, true]) {
      const token = signToken({ alg: 'RS256', kid }, claims(), rsa.privateKey)
      expect(await codeOf(keyed.verify(token))).toBe('ERR_JWT_HEADER_INVALID')
    }
  })
})

describe('hostile input', () => {
  it('rejects 1 MiB of dots without parsing', async () => {
    const dots = '.'.repeat(1024 * 1024)
    const started = performance.now()
    expect(await codeOf(verifier().verify(dots))).toBe('ERR_JWT_TOO_LARGE')
    const large = verifier({ maxTokenBytes: 1024 * 1024 })
    expect(await codeOf(large.verify(dots))).toBe('ERR_JWT_MALFORMED')
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('rejects deeply nested header JSON', async () => {
    const depth = 2000
    const header = `{"alg":"RS256","x":${'['.repeat(depth)}${']'.repeat(depth)}}`
    const token = signToken(header, claims(), attacker.privateKey, 'RS256')
    expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_SIGNATURE_INVALID')

    const deeper = 300_000
    const huge = `{"alg":"RS256","x":${'['.repeat(deeper)}${']'.repeat(deeper)}}`
    const hugeToken = signToken(huge, claims(), attacker.privateKey, 'RS256')
    const large = verifier({ maxTokenBytes: 1024 * 1024 })
    expect(await codeOf(large.verify(hugeToken))).not.toBe('accepted')
  })

  it('rejects a JWE with a huge p2c without key work', async () => {
    const header = { alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 2_147_483_647, p2s: 'c2FsdA' }
    const jwe = [base64url(JSON.stringify(header)), '', 'aXY', 'Y2lwaGVy', 'dGFn'].join('.')
    const started = performance.now()
    expect(await codeOf(verifier().verify(jwe))).toBe('ERR_JWT_JWE_NOT_SUPPORTED')
    expect(performance.now() - started).toBeLessThan(50)
  })

  it('rejects characters outside base64url', async () => {
    const token = signToken({ alg: 'RS256' }, claims(), rsa.privateKey)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const variants = [
      `${header}.${payload}.${signature.replace(/-|_/, '+')}`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload} .${signature}`,
      ` ${token}`,
      `${token}\n`,
      `${header}.${payload}.${signature}==`,
      `${header}.${payload}.${signature.slice(0, 10)}\u00e9${signature.slice(11)}`,
    ]
    for (const variant of variants) {
      expect(await codeOf(verifier().verify(variant)), JSON.stringify(variant.slice(0, 20))).toBe(
        'ERR_JWT_MALFORMED',
      )
    }
    await expect(verifier().verify(token)).resolves.toBeDefined()
  })

  it('rejects a non-canonical base64url signature', async () => {
    const token = signToken({ alg: 'RS256' }, claims(), rsa.privateKey)
    // The last character of a 256-byte signature carries 4 unused bits; setting one keeps the bytes.
    const last = token.at(-1)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const altered = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`
    expect(Buffer.from(altered.split('.')[2]!, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2]!, 'base64url'),
    )
    expect(await codeOf(verifier().verify(altered))).toBe('ERR_JWT_MALFORMED')
  })

  it('rejects wrong segment counts and empty parts', async () => {
    const token = signToken({ alg: 'RS256' }, claims(), rsa.privateKey)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    for (const variant of [
      header,
      `${header}.${payload}`,
      `${token}.x`,
      `.${payload}.${signature}`,
      '..',
      '',
    ]) {
      expect(await codeOf(verifier().verify(variant))).toBe('ERR_JWT_MALFORMED')
    }
  })

  it('rejects tokens that are not strings', async () => {
    for (const value of [undefined, null, 42, {}, Buffer.from('a.b.c')]) {
      expect(await codeOf(verifier().verify(value as never))).toBe('ERR_JWT_MALFORMED')
    }
  })

  it('rejects a header that is not a JSON object', async () => {
    for (const header of ['[1]', 'null', '"RS256"', '{"alg":"RS256"', '\u00ff']) {
      const token = signToken(header, claims(), rsa.privateKey, 'RS256')
      expect(await codeOf(verifier().verify(token))).toBe('ERR_JWT_HEADER_INVALID')
    }
  })
})
