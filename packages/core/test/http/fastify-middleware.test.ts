import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { createFastifyJwtAuth } from '../../src/http/fastify-middleware.js'
import type { VerifyResult } from '../../src/jwt/types.js'
import { describeMiddlewareContract, type StartApp } from './middleware-contract.js'

declare module 'fastify' {
  interface FastifyRequest {
    auth?: VerifyResult
  }
}

const startFastifyApp: StartApp = async (verifier, options) => {
  let calls = 0
  const app = Fastify()
  app.decorateRequest('auth', undefined)
  app.addHook('onRequest', createFastifyJwtAuth(verifier, options))
  app.get('/protected', (request) => {
    calls += 1
    const auth = request.auth!
    return { sub: auth.payload.sub, kid: auth.key.kid, alg: auth.protectedHeader.alg }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    handlerCalls: () => calls,
    close: () => app.close(),
  }
}

describeMiddlewareContract('Fastify', startFastifyApp)
