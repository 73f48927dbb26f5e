import { createServer, request as httpRequest } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createManagementHandler } from '../../src/http/management-handler.js'
import type { ManagementHandlerOptions } from '../../src/http/management-handler.js'
import { MachineToken } from '../../src/token-store/machine-token.js'
import {
  captureLogger,
  frozenClock,
  newSecret,
  NOW,
  nowSeconds,
  setUpAuthorization,
  signUserJwt,
} from '../authorization/fixtures.js'
import type { AuthorizationSetup } from '../authorization/fixtures.js'

interface Harness extends AuthorizationSetup {
  url: string
  handlerLog: ReturnType<typeof captureLogger>
  post: (body: unknown, headers?: Record<string, string>) => Promise<Response>
}

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
})

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function harness(
  handlerOptions: Partial<ManagementHandlerOptions> = {},
  ...setupArgs: Parameters<typeof setUpAuthorization>
): Promise<Harness> {
  const setup = await setUpAuthorization(...setupArgs)
  cleanups.push(() => setup.cloud.close())
  const handlerLog = captureLogger()
  const handler = createManagementHandler({
    basePath: '/admin',
    authorizationClient: setup.client,
    tokenStore: setup.store,
    clock: frozenClock,
    logger: handlerLog.logger,
    ...handlerOptions,
  })
  const url = await listen(createServer(handler))
  const post = async (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/admin/authorize`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await setup.userJwt()}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  return { ...setup, url, handlerLog, post }
}

async function expectError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as Record<string, unknown>
  expect(body.error).toBe(error)
  expect(typeof body.message).toBe('string')
  expect(Object.keys(body).sort()).toEqual(['error', 'message'])
}

describe('POST {base}/authorize', () => {
  it('authorizes the gateway and replies 201', async () => {
    const h = await harness({}, {}, { machineToken: 'mt_handler_secret', expiresInSeconds: 7200.5 })
    const response = await h.post({ gateway_code: 'edge-1', metadata: { v: 1 } })
    expect(response.status).toBe(201)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      success: true,
      message: 'Gateway authorized',
      gateway: { id: 'gw-edge-1', code: 'edge-1', name: 'Gateway edge-1' },
      expires_at: new Date(NOW.getTime() + 7_200_500).toISOString(),
      expires_in: 7200,
    })
    expect(text).not.toContain('mt_handler_secret')
    expect(h.store.token?.machineToken.text()).toBe('mt_handler_secret')
    expect(h.cloud.requests[0]?.body).toMatchObject({ gateway_code: 'edge-1', metadata: { v: 1 } })
  })

  it('accepts a JSON content type with a charset', async () => {
    const h = await harness()
    const response = await h.post(
      { gateway_code: 'edge-1' },
      { 'content-type': 'application/json; charset=utf-8' },
    )
    expect(response.status).toBe(201)
  })

  it('forwards machine_public_key', async () => {
    const h = await harness()
    await h.post({ gateway_code: 'edge-1', machine_public_key: 'age1xyz' })
    expect(h.cloud.requests[0]?.body).toMatchObject({ machine_public_key: 'age1xyz' })
  })

  it.each([
    ['a body that is not JSON', '{"gateway_code":'],
    ['a JSON array', '[]'],
    ['a missing gateway_code', {}],
    ['an empty gateway_code', { gateway_code: '' }],
    ['a gateway_code with a slash', { gateway_code: '../x' }],
    ['a gateway_code of 129 characters', { gateway_code: 'g'.repeat(129) }],
    ['a numeric gateway_code', { gateway_code: 5 }],
    ['metadata that is an array', { gateway_code: 'a', metadata: [1] }],
    ['metadata that is a string', { gateway_code: 'a', metadata: 'x' }],
    ['a numeric machine_public_key', { gateway_code: 'a', machine_public_key: 1 }],
    // JSON.parse accepts this depth, but JSON.stringify overflows the stack on it.
    [
      'metadata nested 30000 deep',
      `{"gateway_code":"a","metadata":{"x":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`,
    ],
  ])('replies 400 for %s', async (_case, body) => {
    const h = await harness()
    await expectError(await h.post(body), 400, 'Bad Request')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('replies 401 with a challenge when the header is missing', async () => {
    const h = await harness()
    const response = await fetch(`${h.url}/admin/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"gateway_code":"edge-1"}',
    })
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="harmony"')
    await expectError(response, 401, 'Unauthorized')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it.each([
    ['a Basic header', 'Basic dXNlcjpwYXNz', 'Bearer realm="harmony"'],
    ['an empty bearer', 'Bearer ', 'Bearer realm="harmony", error="invalid_request"'],
    ['a bearer with spaces', 'Bearer a b', 'Bearer realm="harmony", error="invalid_request"'],
    ['a JWT that is not one', 'bearer not-a-jwt', 'Bearer realm="harmony", error="invalid_token"'],
  ])('replies 401 for %s', async (_case, authorization, challenge) => {
    const h = await harness()
    const response = await h.post({ gateway_code: 'edge-1' }, { authorization })
    expect(response.headers.get('www-authenticate')).toBe(challenge)
    await expectError(response, 401, 'Unauthorized')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it.each([
    ['an expired JWT', { exp: nowSeconds - 120 }],
    ['a JWT without iat', { iat: undefined }],
    ['a JWT without sub', { sub: undefined }],
  ])('replies 401 for %s', async (_case, claims) => {
    const h = await harness()
    const token = await h.userJwt(claims)
    const response = await h.post({ gateway_code: 'edge-1' }, { authorization: `Bearer ${token}` })
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
    await expectError(response, 401, 'Unauthorized')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('replies 401 for a JWT signed with another secret', async () => {
    const h = await harness()
    const token = await signUserJwt(newSecret(), { iss: h.cloud.origin })
    const response = await h.post({ gateway_code: 'edge-1' }, { authorization: `Bearer ${token}` })
    await expectError(response, 401, 'Unauthorized')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('verifies the JWT before reading the body', async () => {
    const h = await harness()
    const response = await h.post('{"gateway_code":"body-canary-7"', {
      authorization: 'Bearer not.a.jwt',
    })
    expect(response.status).toBe(401)
    expect(h.handlerLog.text()).not.toContain('body-canary-7')
    expect(h.log.text()).not.toContain('body-canary-7')
  })

  it('replies 403 for an untrusted issuer and sends nothing', async () => {
    const h = await harness()
    const token = await h.userJwt({ iss: 'https://api.runbeam.io.evil.example' })
    const response = await h.post({ gateway_code: 'edge-1' }, { authorization: `Bearer ${token}` })
    await expectError(response, 403, 'Forbidden')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('replies 405 with Allow for other methods', async () => {
    const h = await harness()
    const response = await fetch(`${h.url}/admin/authorize`, { method: 'PUT' })
    expect(response.headers.get('allow')).toBe('POST')
    await expectError(response, 405, 'Method Not Allowed')
  })

  it('replies 413 for a declared body over 64 KiB', async () => {
    const h = await harness()
    const big = JSON.stringify({ gateway_code: 'edge-1', metadata: { pad: 'x'.repeat(70_000) } })
    await expectError(await h.post(big), 413, 'Payload Too Large')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('replies 413 for a streamed body over the limit', async () => {
    const h = await harness({ maxBodyBytes: 1024 })
    const token = await h.userJwt()
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${h.url}/admin/authorize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      request.on('error', reject)
      request.write('{"gateway_code":"edge-1","metadata":{"pad":"')
      request.write('y'.repeat(4096))
      request.end('"}}')
    })
    expect(status).toBe(413)
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('replies 415 for a body that is not JSON', async () => {
    const h = await harness()
    const response = await h.post('gateway_code=edge-1', { 'content-type': 'text/plain' })
    await expectError(response, 415, 'Unsupported Media Type')
    expect(h.cloud.requests).toHaveLength(0)
  })

  it('replies 429 past the rate limit per client', async () => {
    const h = await harness({
      rateLimit: { maxRequests: 2, windowSeconds: 60 },
      clientAddress: (request) => String(request.headers['x-test-client']),
    })
    const asClient = (client: string) =>
      h.post({ gateway_code: 'edge-1' }, { 'x-test-client': client })
    expect((await asClient('a')).status).toBe(201)
    expect((await asClient('a')).status).toBe(201)
    const limited = await asClient('a')
    expect(limited.headers.get('retry-after')).toBe('60')
    await expectError(limited, 429, 'Too Many Requests')
    expect((await asClient('b')).status).toBe(201)
    expect(h.cloud.requests).toHaveLength(3)
  })

  it('resets the rate limit after the window', async () => {
    let now = NOW.getTime()
    const h = await harness({
      rateLimit: { maxRequests: 1, windowSeconds: 10 },
      clock: () => new Date(now),
    })
    expect((await h.post({ gateway_code: 'edge-1' })).status).toBe(201)
    expect((await h.post({ gateway_code: 'edge-1' })).status).toBe(429)
    now += 10_000
    expect((await h.post({ gateway_code: 'edge-1' })).status).toBe(201)
  })

  it('applies no limit when rateLimit is false', async () => {
    const h = await harness({ rateLimit: false })
    for (let index = 0; index < 12; index += 1) {
      expect((await h.post({ gateway_code: 'edge-1' })).status).toBe(201)
    }
  })

  it.each([
    ['an upstream 500', { kind: 'status', status: 500, body: 'upstream-canary-500' }],
    ['an upstream 401', { kind: 'status', status: 401, body: 'upstream-canary-401' }],
    ['a reply that is not JSON', { kind: 'bad-json', body: 'upstream-canary-json' }],
    ['a reply with a bad field', { kind: 'json', body: { machine_token: 'upstream-canary-f' } }],
    ['a redirect', { kind: 'redirect', location: 'http://127.0.0.1:1/upstream-canary-r' }],
    ['a connection reset', { kind: 'reset' }],
  ] as const)('replies 502 for %s without reflecting it', async (_case, fault) => {
    const h = await harness({}, { retry: { maxAttempts: 1 } })
    h.cloud.inject(fault)
    const response = await h.post({ gateway_code: 'edge-1' })
    const text = await response.clone().text()
    await expectError(response, 502, 'Bad Gateway')
    expect(text).not.toContain('upstream-canary')
    expect(h.log.text() + h.handlerLog.text()).not.toContain('upstream-canary')
    expect(h.store.saves).toBe(0)
  })

  it('replies 504 when the upstream times out', async () => {
    const h = await harness({}, { timeoutMs: 100 })
    h.cloud.inject({ kind: 'delay', ms: 10_000 })
    await expectError(await h.post({ gateway_code: 'edge-1' }), 504, 'Gateway Timeout')
  })

  it('replies 500 when the token cannot be saved', async () => {
    const h = await harness()
    h.store.failSave = new Error('disk full')
    await expectError(await h.post({ gateway_code: 'edge-1' }), 500, 'Internal Server Error')
    const failure = h.handlerLog.records.find((record) => record.level === 'warn')
    expect(failure?.fields).toMatchObject({ status: 500, code: 'ERR_TOKEN_STORE_WRITE_FAILED' })
  })

  it('replies 500 when a body parser ran first', async () => {
    const setup = await setUpAuthorization()
    cleanups.push(() => setup.cloud.close())
    const handlerLog = captureLogger()
    const handler = createManagementHandler({
      basePath: '/admin',
      authorizationClient: setup.client,
      tokenStore: setup.store,
      logger: handlerLog.logger,
    })
    // Like express.json(): the body is consumed before the handler runs.
    const url = await listen(
      createServer((request, response) => {
        request.resume()
        request.once('end', () => handler(request, response))
      }),
    )
    const response = await fetch(`${url}/admin/authorize`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await setup.userJwt()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ gateway_code: 'edge-1' }),
      signal: AbortSignal.timeout(5_000),
    })
    await expectError(response, 500, 'Internal Server Error')
    expect(setup.cloud.requests).toHaveLength(0)
    const failure = handlerLog.records.find((record) => record.level === 'warn')
    expect(failure?.fields).toMatchObject({ status: 500, code: 'body_already_read' })
  })
})

describe('GET {base}/token', () => {
  it('replies 404 when no token is stored', async () => {
    const h = await harness()
    await expectError(await fetch(`${h.url}/admin/token`), 404, 'Not Found')
  })

  it('returns the metadata and never the token', async () => {
    const h = await harness()
    h.store.token = new MachineToken(
      {
        machineToken: 'mt_metadata_canary',
        expiresAt: new Date(NOW.getTime() + 90_500),
        gatewayId: 'gw-9',
        gatewayCode: 'edge-9',
        abilities: ['proxy'],
      },
      frozenClock,
    )
    const response = await fetch(`${h.url}/admin/token`)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      gateway_id: 'gw-9',
      gateway_code: 'edge-9',
      expires_at: new Date(NOW.getTime() + 90_500).toISOString(),
      abilities: ['proxy'],
      valid: true,
      expires_in: 90,
    })
    expect(text).not.toContain('mt_metadata_canary')
  })

  it('reports an expired token as not valid', async () => {
    const h = await harness()
    h.store.token = new MachineToken(
      {
        machineToken: 'mt_old',
        expiresAt: new Date(NOW.getTime() - 1000),
        gatewayId: 'gw-9',
        gatewayCode: 'edge-9',
      },
      frozenClock,
    )
    const body = (await (await fetch(`${h.url}/admin/token`)).json()) as Record<string, unknown>
    expect(body.valid).toBe(false)
    expect(body.expires_in).toBe(0)
  })

  it('answers HEAD without a body', async () => {
    const h = await harness()
    const response = await fetch(`${h.url}/admin/token`, { method: 'HEAD' })
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('')
  })

  it('replies 405 with Allow for POST', async () => {
    const h = await harness()
    const response = await fetch(`${h.url}/admin/token`, { method: 'POST' })
    expect(response.headers.get('allow')).toBe('GET, HEAD')
    await expectError(response, 405, 'Method Not Allowed')
  })

  it('requires a user JWT when authenticateTokenRoute is set', async () => {
    const h = await harness({ authenticateTokenRoute: true })
    const anonymous = await fetch(`${h.url}/admin/token`)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="harmony"')
    await expectError(anonymous, 401, 'Unauthorized')
    const untrusted = await h.userJwt({ iss: 'https://evil.example' })
    const forbidden = await fetch(`${h.url}/admin/token`, {
      headers: { authorization: `Bearer ${untrusted}` },
    })
    await expectError(forbidden, 403, 'Forbidden')
    const authorized = await fetch(`${h.url}/admin/token`, {
      headers: { authorization: `Bearer ${await h.userJwt()}` },
    })
    expect(authorized.status).toBe(404)
  })

  it('logs failures with the status, code and address', async () => {
    const h = await harness()
    await fetch(`${h.url}/admin/token`, { method: 'DELETE' })
    const failure = h.handlerLog.records.find((record) => record.level === 'warn')
    expect(failure?.fields).toMatchObject({
      status: 405,
      method: 'DELETE',
      path: '/admin/token',
      remoteAddress: '127.0.0.1',
    })
  })

  it('replies 500 when the store cannot be read', async () => {
    const h = await harness()
    h.store.load = () => Promise.reject(new Error('read failed'))
    await expectError(await fetch(`${h.url}/admin/token`), 500, 'Internal Server Error')
  })
})

describe('createManagementHandler routing', () => {
  it('replies 404 for other paths', async () => {
    const h = await harness()
    await expectError(await fetch(`${h.url}/authorize`), 404, 'Not Found')
    await expectError(await fetch(`${h.url}/admin/authorize/x`), 404, 'Not Found')
  })

  it('ignores the query string', async () => {
    const h = await harness()
    const response = await fetch(`${h.url}/admin/token?fresh=1`)
    expect(response.status).toBe(404)
    expect(((await response.json()) as { message: string }).message).toBe(
      'No machine token is stored',
    )
  })

  it('calls next for other paths when given', async () => {
    const setup = await setUpAuthorization()
    cleanups.push(() => setup.cloud.close())
    const handler = createManagementHandler({
      basePath: '/admin/',
      authorizationClient: setup.client,
      tokenStore: setup.store,
    })
    const url = await listen(
      createServer((request, response) => {
        handler(request, response, () => {
          response.writeHead(418).end()
        })
      }),
    )
    expect((await fetch(`${url}/elsewhere`)).status).toBe(418)
    expect((await fetch(`${url}/admin/token`)).status).toBe(404)
  })

  it.each([
    ['no options', undefined, TypeError],
    [
      'a client without authorize',
      { authorizationClient: {}, tokenStore: { load() {} } },
      TypeError,
    ],
    ['a store without load', { tokenStore: {} }, TypeError],
    ['a relative basePath', { basePath: 'admin' }, RangeError],
    ['a basePath with a query', { basePath: '/admin?x' }, RangeError],
    ['a zero rate limit', { rateLimit: { maxRequests: 0 } }, RangeError],
    ['a body limit of the wrong type', { maxBodyBytes: '64k' }, TypeError],
    ['a realm with a quote', { realm: 'a"b' }, TypeError],
    ['a non-boolean authenticateTokenRoute', { authenticateTokenRoute: 'yes' }, TypeError],
    ['a log interval as a string', { failureLogIntervalSeconds: '60' }, TypeError],
    ['a negative log interval', { failureLogIntervalSeconds: -1 }, RangeError],
    ['a fractional log interval', { failureLogIntervalSeconds: 1.5 }, RangeError],
  ])('throws for %s', async (_case, overrides, type) => {
    const setup = await setUpAuthorization()
    cleanups.push(() => setup.cloud.close())
    const options =
      overrides === undefined
        ? undefined
        : { authorizationClient: setup.client, tokenStore: setup.store, ...overrides }
    expect(() => createManagementHandler(options as never)).toThrow(type)
  })
})

describe('createManagementHandler failure logging', () => {
  /** Starts a handler over stub parts, with a clock the test moves. */
  async function stubbed(
    parts: Partial<ManagementHandlerOptions>,
    failureLogIntervalSeconds?: number,
  ): Promise<{
    url: string
    log: ReturnType<typeof captureLogger>
    advance: (ms: number) => void
  }> {
    let now = NOW.getTime()
    const log = captureLogger()
    const handler = createManagementHandler({
      basePath: '/admin',
      authorizationClient: {
        verifyUserToken: () => Promise.resolve({ subject: 'user-1', origin: 'https://a.test' }),
        authorize: () => Promise.reject(new Error('not stubbed')),
      },
      tokenStore: { load: () => Promise.resolve(undefined) },
      clock: () => new Date(now),
      logger: log.logger,
      ...(failureLogIntervalSeconds === undefined ? {} : { failureLogIntervalSeconds }),
      ...parts,
    })
    const url = await listen(createServer(handler))
    return {
      url,
      log,
      advance: (ms) => {
        now += ms
      },
    }
  }

  const warnings = (log: ReturnType<typeof captureLogger>) =>
    log.records.filter((record) => record.level === 'warn')

  it('logs repeats of a code once per interval', async () => {
    const h = await stubbed({})
    for (let index = 0; index < 5; index += 1) {
      expect((await fetch(`${h.url}/admin/authorize`, { method: 'POST' })).status).toBe(401)
    }
    expect(warnings(h.log)).toHaveLength(1)
    expect(warnings(h.log)[0]?.fields).toMatchObject({
      status: 401,
      code: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING',
    })
    expect(warnings(h.log)[0]?.fields).not.toHaveProperty('suppressed')

    h.advance(59_999)
    expect((await fetch(`${h.url}/admin/authorize`, { method: 'POST' })).status).toBe(401)
    expect(warnings(h.log)).toHaveLength(1)

    h.advance(1)
    expect((await fetch(`${h.url}/admin/authorize`, { method: 'POST' })).status).toBe(401)
    expect(warnings(h.log)).toHaveLength(2)
    expect(warnings(h.log)[1]?.fields).toMatchObject({
      status: 401,
      code: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING',
      suppressed: 5,
    })
  })

  it('counts each status and code apart', async () => {
    const h = await stubbed({})
    await fetch(`${h.url}/admin/authorize`, { method: 'POST' })
    await fetch(`${h.url}/admin/authorize`, { method: 'POST' })
    await fetch(`${h.url}/admin/elsewhere`)
    await fetch(`${h.url}/admin/elsewhere`)
    await fetch(`${h.url}/admin/authorize`, {
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    })
    expect(warnings(h.log).map((record) => [record.fields.status, record.fields.code])).toEqual([
      [401, 'ERR_JWT_AUTHORIZATION_HEADER_MISSING'],
      [404, undefined],
      [401, 'ERR_JWT_AUTHORIZATION_HEADER_INVALID'],
    ])
  })

  it('logs every failure with interval 0', async () => {
    const h = await stubbed({}, 0)
    for (let index = 0; index < 4; index += 1) {
      await fetch(`${h.url}/admin/authorize`, { method: 'POST' })
    }
    expect(warnings(h.log)).toHaveLength(4)
    expect(warnings(h.log).some((record) => 'suppressed' in record.fields)).toBe(false)
  })

  it('logs an uncoded error by name only', async () => {
    const h = await stubbed({
      authorizationClient: {
        verifyUserToken: () => Promise.resolve({ subject: 'user-1', origin: 'https://a.test' }),
        authorize: () => Promise.reject(new TypeError('CANARY-secret-in-a-message')),
      },
    })
    const response = await fetch(`${h.url}/admin/authorize`, {
      method: 'POST',
      headers: { authorization: 'Bearer a.b.c', 'content-type': 'application/json' },
      body: JSON.stringify({ gateway_code: 'edge-1' }),
    })
    expect(response.status).toBe(500)
    expect(await response.text()).not.toContain('CANARY')
    expect(warnings(h.log)).toHaveLength(1)
    expect(warnings(h.log)[0]?.fields).toMatchObject({
      status: 500,
      code: 'unexpected_error',
      errorName: 'TypeError',
    })
    expect(h.log.text()).not.toContain('CANARY')
  })

  it('logs a plain Node.js error code', async () => {
    const readError = Object.assign(new Error('CANARY /secret/path'), { code: 'EACCES' })
    const h = await stubbed({ tokenStore: { load: () => Promise.reject(readError) } })
    expect((await fetch(`${h.url}/admin/token`)).status).toBe(500)
    expect(warnings(h.log)[0]?.fields).toMatchObject({
      status: 500,
      code: 'EACCES',
      errorName: 'Error',
    })
    expect(h.log.text()).not.toContain('CANARY')
  })

  it('drops a code property with free text', async () => {
    const verifyError = Object.assign(new Error('x'), { code: 'bad CANARY code', name: 'Bad Name' })
    const h = await stubbed({
      authorizationClient: {
        verifyUserToken: () => Promise.reject(verifyError),
        authorize: () => Promise.reject(new Error('not called')),
      },
    })
    const response = await fetch(`${h.url}/admin/authorize`, {
      method: 'POST',
      headers: { authorization: 'Bearer a.b.c' },
    })
    expect(response.status).toBe(500)
    expect(warnings(h.log)[0]?.fields.code).toBe('unexpected_error')
    expect(warnings(h.log)[0]?.fields).not.toHaveProperty('errorName')
    expect(h.log.text()).not.toContain('CANARY')
  })
})
