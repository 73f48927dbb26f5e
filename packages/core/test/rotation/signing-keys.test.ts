import { createPublicKey, createSign } from 'node:crypto'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { calculateJwkThumbprint, SignJWT, importPKCS8 } from 'jose'
import { generateSigningKey, jwkThumbprint, JwtVerifier, publishJwks } from '@harmony-auth/core'

async function signToken(key: Awaited<ReturnType<typeof generateSigningKey>>): Promise<string> {
  const privateKey = await importPKCS8(key.privateKeyPem.text(), key.algorithm)
  return new SignJWT({ sub: 'gateway' })
    .setProtectedHeader({ alg: key.algorithm, kid: key.kid })
    .setExpirationTime('5m')
    .sign(privateKey)
}

describe('generateSigningKey', () => {
  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'] as const)(
    'generates an %s key pair',
    async (algorithm) => {
      const key = await generateSigningKey({ algorithm })
      expect(key.publicJwk).toMatchObject({ alg: algorithm, kid: key.kid, use: 'sig' })
      expect(key.publicJwk).not.toHaveProperty('d')
      expect(createPublicKey(key.publicKeyPem).asymmetricKeyType).toBeDefined()
      expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk as never, 'sha256'))
    },
  )

  it('keeps the private key out of output', async () => {
    const key = await generateSigningKey({ algorithm: 'ES256', kid: 'es-1' })
    expect(key.kid).toBe('es-1')
    expect(JSON.stringify(key)).not.toContain('PRIVATE KEY')
    expect(inspect(key)).not.toContain('PRIVATE KEY')
    expect(key.privateKeyPem.text()).toContain('BEGIN PRIVATE KEY')
    const signer = createSign('sha256')
    signer.update('data')
    expect(signer.sign(key.privateKeyPem.text()).byteLength).toBeGreaterThan(0)
  })

  it('rejects invalid options', async () => {
    await expect(generateSigningKey({ algorithm: 'HS256' as never })).rejects.toThrow(TypeError)
    await expect(generateSigningKey({ modulusLength: 1024 as never })).rejects.toThrow(RangeError)
    await expect(generateSigningKey({ kid: 'bad kid' })).rejects.toThrow(TypeError)
  })
})

describe('publishJwks', () => {
  it('publishes the new key before the old one', async () => {
    const old = await generateSigningKey({ algorithm: 'ES256' })
    const next = await generateSigningKey({ algorithm: 'ES256' })
    const jwks = publishJwks({ keys: [next.publicJwk], existing: { keys: [old.publicJwk] } })
    expect(jwks.keys.map((k) => k.kid)).toEqual([next.kid, old.kid])

    const verifier = new JwtVerifier({ keys: [{ jwks }], algorithms: ['ES256'] })
    expect((await verifier.verify(await signToken(old))).key.kid).toBe(old.kid)
    expect((await verifier.verify(await signToken(next))).key.kid).toBe(next.kid)
    verifier.close()

    const retired = publishJwks({ keys: [], existing: jwks, retire: [old.kid] })
    expect(retired.keys.map((k) => k.kid)).toEqual([next.kid])
    const after = new JwtVerifier({ keys: [{ jwks: retired }], algorithms: ['ES256'] })
    await expect(after.verify(await signToken(old))).rejects.toMatchObject({
      code: 'ERR_JWT_KEY_NOT_FOUND',
    })
    after.close()
  })

  it('strips private members', async () => {
    const key = await generateSigningKey({ algorithm: 'EdDSA' })
    const withPrivate = { ...key.publicJwk, d: 'private-part' }
    const jwks = publishJwks({ keys: [withPrivate] })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })

  it('rejects a kid reused for another key', async () => {
    const first = await generateSigningKey({ algorithm: 'ES256', kid: 'same' })
    const second = await generateSigningKey({ algorithm: 'ES256', kid: 'same' })
    expect(() =>
      publishJwks({ keys: [second.publicJwk], existing: { keys: [first.publicJwk] } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error)
  })

  it('rejects keys without kid or alg', async () => {
    const key = await generateSigningKey({ algorithm: 'ES256' })
    const { kid: _kid, ...noKid } = key.publicJwk
    const { alg: _alg, ...noAlg } = key.publicJwk
    expect(() => publishJwks({ keys: [noKid] })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error,
    )
    expect(() => publishJwks({ keys: [noAlg] })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error,
    )
  })

  it.each(['constructor', 'toString', '__proto__'])('rejects the key type %s', (kty) => {
    const key = { kty, kid: 'k-1', alg: 'RS256', n: 'AQAB', e: 'AQAB' }
    expect(() => publishJwks({ keys: [key] })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error,
    )
    expect(() => jwkThumbprint(key)).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }) as Error,
    )
  })
})
