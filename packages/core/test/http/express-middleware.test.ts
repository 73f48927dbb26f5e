import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createExpressJwtAuth } from '../../src/http/express-middleware.js'
import type { VerifyResult } from '../../src/jwt/types.js'
import { describeMiddlewareContract, type StartApp } from './middleware-contract.js'

const startExpressApp: StartApp = async (verifier, options) => {
  let calls = 0
  const app = express()
  app.use('/protected', createExpressJwtAuth(verifier, options))
  app.get('/protected', (request, response) => {
    calls += 1
    const auth = (request as { auth?: VerifyResult }).auth!
    response.json({ sub: auth.payload.sub, kid: auth.key.kid, alg: auth.protectedHeader.alg })
  })
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    handlerCalls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describeMiddlewareContract('Express', startExpressApp)
