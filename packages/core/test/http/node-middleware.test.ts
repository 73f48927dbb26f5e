import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createNodeJwtAuth } from '../../src/http/node-middleware.js'
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

describe('createNodeJwtAuth', () => {
  it('rejects a handler that is not a function', () => {
    const verifier = { authenticate: () => Promise.reject(new Error('unused')) }

    expect(() => createNodeJwtAuth(verifier, 'handler' as never)).toThrow(TypeError)
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
