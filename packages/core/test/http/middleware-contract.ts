import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { BearerAuthenticator, JwtMiddlewareOptions } from '../../src/http/bearer-auth.js'
import type { AuthenticateResult } from '../../src/jwt/types.js'
import { JwtVerifier } from '../../src/index.js'
import type { Logger } from '../../src/support/logger.js'

/** What each test app's protected route returns: fields of `request.auth`. */
export interface EchoedAuth {
  sub: unknown
  kid: unknown
  alg: unknown
}

/** A running test app: `GET {url}/protected` is guarded and echoes the verified token. */
export interface RunningApp {
  url: string
  /** Number of times the protected route handler ran. */
  handlerCalls(): number
  close(): Promise<void>
}

/** Starts a real app of one framework on 127.0.0.1 with the middleware under test. */
export type StartApp = (
  verifier: BearerAuthenticator,
  options?: JwtMiddlewareOptions,
) => Promise<RunningApp>

/** A reply as the node:http client parsed it. */
export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export const NO_CREDENTIALS = 'Bearer realm="harmony"'
export const INVALID_REQUEST = 'Bearer realm="harmony", error="invalid_request"'
export const INVALID_TOKEN = 'Bearer realm="harmony", error="invalid_token"'
/** The body JwtVerifier sends with every 401 reply. */
export const UNAUTHORIZED_BODY = {
  error: 'Unauthorized',
  message: 'A valid bearer token is required.',
}

/**
 * Sends `GET url` with the given `Authorization` values over node:http: an array sends one header
 * line per value, which fetch cannot do.
 */
export function get(url: string, authorization?: string | string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      )
    })
    if (authorization !== undefined) request.setHeader('authorization', authorization)
    request.on('error', reject)
    request.end()
  })
}

function spyLogger() {
  const error = vi.fn()
  const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error }
  return { logger, error }
}

const now = () => Math.floor(Date.now() / 1000)

/** Runs the cases every framework middleware must pass, against a real app from `startApp`. */
export function describeMiddlewareContract(framework: string, startApp: StartApp): void {
  describe(`${framework} middleware with JwtVerifier`, () => {
    let privateKey: KeyObject
    let otherKey: KeyObject
    let app: RunningApp

    const sign = (claims: Record<string, unknown>, key = privateKey) =>
      new SignJWT({ sub: 'gateway-1', exp: now() + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(key)

    beforeAll(async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
      privateKey = pair.privateKey
      otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString()
      app = await startApp(new JwtVerifier({ keys: [{ pem, kid: 'k1' }] }))
    })

    afterAll(() => app.close())

    it('passes a valid token to the handler', async () => {
      const reply = await get(`${app.url}/protected`, `Bearer ${await sign({})}`)

      expect(reply.status).toBe(200)
      expect(JSON.parse(reply.body)).toEqual({ sub: 'gateway-1', kid: 'k1', alg: 'RS256' })
    })

    it('accepts a lower-case scheme', async () => {
      const reply = await get(`${app.url}/protected`, `bearer ${await sign({})}`)

      expect(reply.status).toBe(200)
    })

    it.each([
      ['no header', undefined, NO_CREDENTIALS],
      ['a Bearer scheme without token', 'Bearer', INVALID_REQUEST],
      ['two tokens', 'Bearer a.b.c d.e.f', INVALID_REQUEST],
      ['a garbage token', 'Bearer not-a-jwt', INVALID_TOKEN],
    ])('rejects %s', async (_case, authorization, challenge) => {
      const calls = app.handlerCalls()
      const reply = await get(`${app.url}/protected`, authorization)

      expect(reply.status).toBe(401)
      expect(reply.headers['www-authenticate']).toBe(challenge)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      expect(JSON.parse(reply.body)).toEqual(UNAUTHORIZED_BODY)
      expect(app.handlerCalls()).toBe(calls)
    })

    it('rejects an expired token without saying why', async () => {
      const token = await sign({ exp: now() - 3600 })
      const reply = await get(`${app.url}/protected`, `Bearer ${token}`)

      expect(reply.status).toBe(401)
      expect(reply.headers['www-authenticate']).toBe(INVALID_TOKEN)
      expect(JSON.parse(reply.body)).toEqual(UNAUTHORIZED_BODY)
      expect(reply.body).not.toMatch(/expired|ERR_/i)
    })

    it('gives every token failure the same body', async () => {
      const expired = await get(`${app.url}/protected`, `Bearer ${await sign({ exp: 1 })}`)
      const forged = await get(`${app.url}/protected`, `Bearer ${await sign({}, otherKey)}`)

      expect(forged.status).toBe(401)
      expect(forged.headers['www-authenticate']).toBe(INVALID_TOKEN)
      expect(forged.body).toBe(expired.body)
      expect(JSON.parse(forged.body)).toEqual(UNAUTHORIZED_BODY)
    })

    it('rejects repeated Authorization headers', async () => {
      const token = await sign({})
      const calls = app.handlerCalls()
      const reply = await get(`${app.url}/protected`, [`Bearer ${token}`, `Bearer ${token}`])

      expect(reply.status).toBe(401)
      expect(app.handlerCalls()).toBe(calls)
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer realm="harmony", error=/)
    })
  })

  describe(`${framework} middleware with a stub authenticator`, () => {
    it('sends the 401 reply exactly and never the code', async () => {
      const failure: AuthenticateResult = {
        ok: false,
        status: 401,
        headers: { 'www-authenticate': INVALID_TOKEN, 'content-type': 'application/json' },
        body: '{"error":"Unauthorized","message":"stub message"}',
        error: 'invalid_token',
        code: 'ERR_JWT_EXPIRED',
      }
      const app = await startApp({ authenticate: () => Promise.resolve(failure) })
      const reply = await get(`${app.url}/protected`, 'Bearer a.b.c').finally(() => app.close())

      expect(reply.status).toBe(401)
      expect(reply.headers['www-authenticate']).toBe(INVALID_TOKEN)
      expect(reply.headers['content-type']).toMatch(/^application\/json/)
      expect(reply.body).toBe(failure.body)
      expect(reply.body).not.toContain('ERR_JWT_EXPIRED')
      expect(app.handlerCalls()).toBe(0)
    })

    it('passes the raw header to the authenticator', async () => {
      const authenticate = vi.fn((_header: string | string[] | undefined) =>
        Promise.resolve<AuthenticateResult>({
          ok: true,
          payload: { sub: 'stub' },
          protectedHeader: { alg: 'RS256' },
          key: { algorithm: 'RS256', source: 'pem' },
        }),
      )
      const app = await startApp({ authenticate })
      const reply = await get(`${app.url}/protected`, 'Bearer x.y.z').finally(() => app.close())

      expect(reply.status).toBe(200)
      expect(JSON.parse(reply.body)).toEqual({ sub: 'stub', alg: 'RS256' })
      expect(authenticate).toHaveBeenCalledTimes(1)
      expect([authenticate.mock.calls[0]![0]].flat()).toEqual(['Bearer x.y.z'])
    })

    it('returns 500 when authenticate throws', async () => {
      const { logger, error } = spyLogger()
      const failing = {
        authenticate: () => Promise.reject(new Error('internal detail Bearer canary-token')),
      }
      const app = await startApp(failing, { logger })
      const reply = await get(`${app.url}/protected`, 'Bearer canary-token').finally(() =>
        app.close(),
      )

      expect(reply.status).toBe(500)
      expect(reply.headers['www-authenticate']).toBeUndefined()
      expect(reply.body).not.toMatch(/canary|internal detail/)
      expect(JSON.parse(reply.body)).toMatchObject({ error: 'Internal Server Error' })
      expect(app.handlerCalls()).toBe(0)
      expect(error).toHaveBeenCalledTimes(1)
      expect(JSON.stringify(error.mock.calls)).not.toContain('canary')
    })

    it('rejects a verifier without authenticate', async () => {
      await expect(startApp({} as BearerAuthenticator)).rejects.toThrow(TypeError)
    })
  })
}
