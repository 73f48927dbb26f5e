import { generateKeyPairSync } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { startJwksServer, type JwksServer, type JwksServerOptions } from '../src/jwks-server.js'

const servers: JwksServer[] = []

// One RSA key for the whole file, because generating a 2048-bit key takes up to a second on a
// busy machine. Tests of key generation itself pass their own options.
const sharedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey

async function start(
  options: JwksServerOptions = { keys: [{ kid: 'key-1', privateKey: sharedKey }] },
) {
  const server = await startJwksServer(options)
  servers.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const claims = () => ({ sub: 'gateway-1', exp: Math.floor(Date.now() / 1000) + 300 })

interface RawReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  bytes: number
}

// Uses node:http instead of fetch to read the raw reply: redirects are not followed and the
// byte count is what arrived on the wire.
function getRaw(url: string, method = 'GET'): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method }, (response) => {
      let bytes = 0
      response.on('data', (chunk: Buffer) => (bytes += chunk.length))
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes }),
      )
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
}

describe('startJwksServer', () => {
  it('publishes one RS256 key by default', async () => {
    const server = await start({})
    const response = await fetch(server.url)
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] }

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', kid: 'key-1', alg: 'RS256', use: 'sig' })
    expect(jwks.keys[0]).not.toHaveProperty('d')
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/)
  })

  it('signs tokens that jose verifies through the JWKS URL', async () => {
    const server = await start()
    const token = server.sign(claims())
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(server.url)),
    )

    expect(payload.sub).toBe('gateway-1')
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-1' })
  })

  it.each(['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const)(
    'signs %s tokens that jose verifies',
    async (alg) => {
      const server = await start({ keys: [{ kid: `k-${alg}`, alg }] })
      const jwks = createLocalJWKSet({ keys: server.keys().map((key) => key.jwk) })
      const { protectedHeader } = await jwtVerify(server.sign(claims()), jwks)

      expect(protectedHeader.alg).toBe(alg)
      expect(protectedHeader.kid).toBe(`k-${alg}`)
    },
  )

  it('imports a given PEM private key', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const server = await start({ keys: [{ kid: 'imported', alg: 'ES256', privateKey: pem }] })

    expect(server.key('imported').publicKeyPem).toBe(
      pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    )
  })

  it('rejects a key that does not fit its algorithm', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })

    await expect(startJwksServer({ keys: [{ alg: 'RS256', privateKey }] })).rejects.toThrow(
      TypeError,
    )
    await expect(startJwksServer({ keys: [{ alg: 'ES384', privateKey }] })).rejects.toThrow(
      TypeError,
    )
  })

  it('merges and drops JWK members on request', async () => {
    const server = await start({
      keys: [{ kid: 'bare', privateKey: sharedKey, jwk: { alg: undefined, use: 'enc' } }],
    })
    const jwk = server.key('bare').jwk

    expect(jwk).not.toHaveProperty('alg')
    expect(jwk.use).toBe('enc')
  })

  it('writes header overrides without changing the signature', async () => {
    const server = await start()
    const token = server.sign(claims(), { header: { alg: 'none', kid: undefined, jku: 'x' } })
    const header = decodeProtectedHeader(token)

    expect(header).toEqual({ alg: 'none', typ: 'JWT', jku: 'x' })
    expect(token.split('.')[2]).not.toBe('')
  })

  it('rejects signing with an unfitting algorithm', async () => {
    const server = await start()

    expect(() => server.sign(claims(), { alg: 'ES256' })).toThrow(TypeError)
    expect(() => server.sign(claims(), { kid: 'missing' })).toThrow(RangeError)
  })

  it('adds, removes and rotates keys', async () => {
    const server = await start()
    await server.addKey({ kid: 'extra', alg: 'ES256' })
    expect(server.keys().map((key) => key.kid)).toEqual(['key-1', 'extra'])
    expect(server.currentKid).toBe('key-1')

    const rotated = await server.rotateKey({ kid: 'next', alg: 'ES256', keepPrevious: true })
    expect(server.currentKid).toBe('next')
    expect(decodeProtectedHeader(server.sign(claims())).kid).toBe('next')
    expect(server.keys().map((key) => key.kid)).toEqual(['key-1', 'extra', 'next'])

    await server.rotateKey({ kid: 'last', alg: 'ES256' })
    expect(server.keys().map((key) => key.kid)).toEqual(['key-1', 'extra', 'last'])

    server.removeKey('last')
    expect(server.currentKid).toBe('key-1')
    const jwks = (await (await fetch(server.url)).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((key) => key.kid)).toEqual(['key-1', 'extra'])
    expect(rotated.kid).toBe('next')
  })

  it('rejects a duplicate kid', async () => {
    const server = await start()

    await expect(server.addKey({ kid: 'key-1', alg: 'ES256' })).rejects.toThrow(RangeError)
  })

  it('counts requests on every path', async () => {
    const server = await start()
    await fetch(server.url)
    await fetch(server.url)
    await fetch(`${server.origin}/other`)
    expect(server.requestCount).toBe(3)

    server.resetRequestCount()
    expect(server.requestCount).toBe(0)
  })

  it('returns 404 off the path and 405 for POST', async () => {
    const server = await start()

    expect((await getRaw(`${server.origin}/other`)).status).toBe(404)
    expect((await getRaw(server.url, 'POST')).status).toBe(405)
  })

  it('serves a custom path and extra headers', async () => {
    const server = await start({
      keys: [{ privateKey: sharedKey }],
      path: '/keys',
      headers: { 'cache-control': 'max-age=60' },
    })
    const response = await fetch(server.url)

    expect(server.url.endsWith('/keys')).toBe(true)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('max-age=60')
  })

  it('binds ::1 and rejects other hosts', async () => {
    const server = await start({ keys: [{ privateKey: sharedKey }], host: '::1' })

    expect(server.origin).toMatch(/^http:\/\/\[::1\]:\d+$/)
    expect((await fetch(server.url)).status).toBe(200)
    await expect(startJwksServer({ host: '0.0.0.0' as never })).rejects.toThrow(RangeError)
  })
})

describe('JwksServer faults', () => {
  it('delays the reply', async () => {
    const server = await start()
    server.setFault({ kind: 'delay', ms: 300 })
    const started = performance.now()
    const response = await fetch(server.url)

    expect(response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('replies with an injected status', async () => {
    const server = await start()
    server.setFault({ kind: 'status', status: 500 })

    expect((await fetch(server.url)).status).toBe(500)
    expect((await fetch(server.url)).status).toBe(500)
  })

  it('applies a fault only the given number of times', async () => {
    const server = await start()
    server.setFault({ kind: 'status', status: 502 }, { times: 1 })

    expect((await fetch(server.url)).status).toBe(502)
    expect((await fetch(server.url)).status).toBe(200)
  })

  it('sends invalid JSON', async () => {
    const server = await start()
    server.setFault({ kind: 'invalid-json' })
    const text = await (await fetch(server.url)).text()

    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError)
  })

  it('sends a raw body', async () => {
    const server = await start()
    server.setFault({ kind: 'body', body: '{"keys":{}}', status: 200 })

    expect(await (await fetch(server.url)).json()).toEqual({ keys: {} })
  })

  it('streams an oversized body without content-length', async () => {
    const server = await start()
    server.setFault({ kind: 'oversized', bytes: 1_000_000 })
    const reply = await getRaw(server.url)

    expect(reply.status).toBe(200)
    expect(reply.headers['content-length']).toBeUndefined()
    expect(reply.bytes).toBeGreaterThanOrEqual(1_000_000)
    expect(reply.bytes).toBeLessThan(1_100_000)
  })

  it('redirects to a path that serves the JWKS', async () => {
    const server = await start()
    server.setFault({ kind: 'redirect' })
    const reply = await getRaw(server.url)

    expect(reply.status).toBe(302)
    expect(typeof reply.headers.location).toBe('string')
    const followed = await fetch(reply.headers.location as string)
    expect(followed.status).toBe(200)
    expect(server.requestCount).toBe(2)
  })

  it('resets the connection', async () => {
    const server = await start()
    server.setFault({ kind: 'reset' })

    await expect(getRaw(server.url)).rejects.toMatchObject({ code: 'ECONNRESET' })
  })

  it('returns 503 during an outage', async () => {
    const server = await start()
    server.setOutage(true)
    expect((await fetch(server.url)).status).toBe(503)

    server.setOutage(false)
    expect((await fetch(server.url)).status).toBe(200)
  })

  it('clears a fault with undefined', async () => {
    const server = await start()
    server.setFault({ kind: 'status', status: 500 })
    server.setFault(undefined)

    expect((await fetch(server.url)).status).toBe(200)
  })

  it('rejects invalid fault descriptions', async () => {
    const server = await start()

    expect(() => server.setFault({ kind: 'delay', ms: -1 })).toThrow(RangeError)
    expect(() => server.setFault({ kind: 'status', status: 2.5 })).toThrow(RangeError)
    expect(() => server.setFault({ kind: 'reset' }, { times: 0 })).toThrow(RangeError)
  })

  it('closes promptly with a delayed reply pending', async () => {
    const server = await startJwksServer({ keys: [{ privateKey: sharedKey }] })
    server.setFault({ kind: 'delay', ms: 60_000 })
    const pending = getRaw(server.url).catch((error: unknown) => error)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    await server.close()

    expect(performance.now() - started).toBeLessThan(1000)
    expect(await pending).toBeInstanceOf(Error)
  })
})
