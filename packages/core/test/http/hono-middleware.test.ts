import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import { createHonoJwtAuth, type HonoJwtEnv } from '../../src/http/hono-middleware.js'
import { describeMiddlewareContract, type StartApp } from './middleware-contract.js'

const startHonoApp: StartApp = async (verifier, options) => {
  let calls = 0
  const app = new Hono<HonoJwtEnv>()
  app.use('/protected', createHonoJwtAuth(verifier, options))
  app.get('/protected', (c) => {
    calls += 1
    const auth = c.get('auth')
    return c.json({ sub: auth.payload.sub, kid: auth.key.kid, alg: auth.protectedHeader.alg })
  })
  const server = await new Promise<ServerType>((resolve) => {
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(listening),
    )
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    handlerCalls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describeMiddlewareContract('Hono', startHonoApp)
