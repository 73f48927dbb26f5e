import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import {
  AuthorizationClient,
  createFastifyJwtAuth,
  createManagementHandler,
  JwtVerifier,
  type VerifyResult,
} from '@harmony-auth/core'
import { openTokenStore } from '@harmony-auth/filesystem'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { pino } from 'pino'
import { readConfig } from './config.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified bearer token, set by the Harmony Auth hook. */
    auth?: VerifyResult
  }
}

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' })

/** The traffic app: every route runs behind the bearer JWT hook and echoes the subject. */
function createTrafficApp(verifier: JwtVerifier) {
  const app = Fastify({
    loggerInstance: logger,
    return503OnClosing: true,
    disableRequestLogging: true,
  })
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply)
    done()
  })
  app.decorateRequest('auth', undefined)
  app.addHook('onRequest', createFastifyJwtAuth(verifier, { logger }))
  app.all('/*', (request, reply) =>
    reply.send({
      subject: request.auth?.payload.sub ?? '',
      method: request.method,
      path: request.url.split('?', 1)[0],
    }),
  )
  return app
}

/**
 * Creates the management app, which hands every request to the node:http management handler. A catch-all
 * content-type parser leaves the body stream unread, because the handler reads and limits the
 * body itself.
 */
function createManagementApp(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true })
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply)
    done()
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))
  app.all('/*', (request, reply) => {
    reply.hijack()
    handler(request.raw, reply.raw)
  })
  return app
}

/**
 * Logs one line per request in place of Fastify's request logs, which include the query string:
 * only the path is logged, because a query string may carry credentials.
 */
function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  logger.info(
    {
      method: request.method,
      path: request.url.split('?', 1)[0],
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    },
    'request completed',
  )
}

async function main(): Promise<void> {
  const config = readConfig()
  const keySource = config.publicKeyPath
    ? { path: config.publicKeyPath }
    : { jwksUrl: config.jwksUrl ?? '' }
  const verifier = new JwtVerifier({
    keys: [keySource],
    ...(config.issuers.length > 0 && { issuer: config.issuers }),
    ...(config.audiences.length > 0 && { audience: config.audiences }),
    logger,
  })
  const tokenStore = openTokenStore({
    instanceId: config.instanceId,
    homeDir: config.homeDir,
    logger,
  })
  const authorizationClient = new AuthorizationClient({
    trustedIssuers: config.trustedIssuers,
    tokenStore,
    logger,
  })
  const managementHandler = createManagementHandler({
    basePath: config.managementBasePath,
    authorizationClient,
    tokenStore,
    logger,
  })

  const traffic = createTrafficApp(verifier)
  const management = createManagementApp(managementHandler)
  await traffic.listen({ host: config.trafficHost, port: config.trafficPort })
  await management.listen({ host: config.managementHost, port: config.managementPort })
  await authorizationClient
    .checkExpiry({ withinDays: config.renewalWarningDays })
    .catch((error: unknown) => logger.error({ err: error }, 'machine token could not be read'))
  // These two lines tell a supervisor (and the tests) that the gateway is ready.
  logger.info({ port: portOf(traffic) }, 'traffic port listening')
  const basePath = config.managementBasePath
  logger.info({ port: portOf(management), basePath }, 'management port listening')

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down')
    const timer = setTimeout(() => {
      traffic.server.closeAllConnections()
      management.server.closeAllConnections()
    }, config.shutdownTimeoutMs)
    Promise.all([traffic.close(), management.close()]).then(
      () => {
        clearTimeout(timer)
        verifier.close()
        logger.info('gateway stopped')
      },
      (error: unknown) => logger.error({ err: error }, 'shutdown failed'),
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

function portOf(app: { server: Server }): number {
  const address = app.server.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'gateway failed to start')
  process.exitCode = 1
})
