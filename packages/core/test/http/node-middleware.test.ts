import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BearerAuthenticator } from '../../src/http/bearer-auth.js'
import { createNodeJwtAuth, type AuthenticatedHandler } from '../../src/http/node-middleware.js'
import type { Logger } from '../../src/support/logger.js'
import { describeMiddlewareContract, get, type StartApp } from './middleware-contract.js'

const startNodeApp: StartApp = async (verifier, options) => {
  let calls = 0
  const guarded = createNodeJwtAuth(
    verifier,
    (request, response: ServerResponse) => {
      calls += 1
      const { payload, protectedHeader, key } = request.auth
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ sub: payload.sub, kid: key.kid, alg: protectedHeader.alg }))
    },
    options,
  )
  const server = createServer((request, response) => void guarded(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    handlerCalls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describeMiddlewareContract('node:http', startNodeApp)

const accepting: BearerAuthenticator = {
  authenticate: () =>
    Promise.resolve({
      ok: true,
      payload: { sub: 'gateway-1' },
      protectedHeader: { alg: 'RS256' },
      key: { algorithm: 'RS256', source: 'pem' },
    }),
}

async function serve(handler: AuthenticatedHandler, logger?: Logger) {
  const listener = createNodeJwtAuth(accepting, handler, logger ? { logger } : {})
  const server = createServer((request, response) => void listener(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('createNodeJwtAuth', () => {
  it('rejects a handler that is not a function', () => {
    const verifier = { authenticate: () => Promise.reject(new Error('unused')) }

    expect(() => createNodeJwtAuth(verifier, 'handler' as never)).toThrow(TypeError)
  })

  it('returns 500 when the handler throws', async () => {
    const error = vi.fn()
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error }
    const failure = new Error('handler bug')
    const app = await serve(() => Promise.reject(failure), logger)
    const reply = await get(app.url, 'Bearer a.b.c').finally(() => app.close())

    expect(reply.status).toBe(500)
    expect(reply.body).not.toContain('handler bug')
    expect(JSON.parse(reply.body)).toMatchObject({ error: 'Internal Server Error' })
    expect(error).toHaveBeenCalledTimes(1)
    expect(error.mock.calls[0]![0]).toEqual({ err: failure })
  })

  it('closes a started response when the handler throws', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const app = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.write('partial')
      throw new Error('handler bug')
    })
    const reply = await get(app.url, 'Bearer a.b.c')
      .catch((error: unknown) => error)
      .finally(() => app.close())

    expect(reply).toBeInstanceOf(Error)
    expect(emitWarning).toHaveBeenCalledTimes(1)
  })

  it('sets an exact content-length on the 401 reply', async () => {
    const app = await startNodeApp({
      authenticate: () =>
        Promise.resolve({
          ok: false,
          status: 401,
          headers: {
            'www-authenticate': 'Bearer realm="harmony"',
            'content-type': 'application/json',
          },
          body: '{"error":"Unauthorized","message":"é"}',
          code: 'ERR_JWT_AUTHORIZATION_HEADER_MISSING',
        }),
    })
    const reply = await get(`${app.url}/protected`).finally(() => app.close())

    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(reply.body)))
  })
})
