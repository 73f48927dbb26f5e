// This gateway is CommonJS on purpose: it loads the SDK through `require`, so the CommonJS build
// of every package is exercised the way an older Express code base would use it.
/* eslint-disable @typescript-eslint/no-require-imports -- `import x = require()` is the point here. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { VerifyResult } from '@harmony-auth/core'
import type { Request, Response } from 'express'
import http = require('node:http')
import os = require('node:os')
import express = require('express')
import pinoModule = require('pino')
import core = require('@harmony-auth/core')
import filesystem = require('@harmony-auth/filesystem')

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express types its request this way.
  namespace Express {
    interface Request {
      /** The verified bearer token, set by the Harmony Auth middleware. */
      auth?: VerifyResult
    }
  }
}

/** The settings of the Express gateway: the gateway-node variables without UPSTREAM_URL. */
interface Settings {
  issuers: string[]
  audiences: string[]
  renewalWarningDays: number
  trafficHost: string
  trafficPort: number
  managementHost: string
  managementPort: number
  managementBasePath: string
  keySource: { path: string } | { jwksUrl: string }
  trustedIssuers: string[]
  instanceId: string
  homeDir: string
  shutdownTimeoutMs: number
}

const logger = pinoModule.pino({ level: process.env.LOG_LEVEL ?? 'info' })

/**
 * Reads the settings from the environment.
 *
 * @throws Error naming the variable when a value is missing or invalid.
 */
function readSettings(env: NodeJS.ProcessEnv): Settings {
  const publicKeyPath = nonEmpty(env.JWT_PUBLIC_KEY_PATH)
  const jwksUrl = nonEmpty(env.JWKS_URL)
  if ((publicKeyPath === undefined) === (jwksUrl === undefined)) {
    throw new Error('set exactly one of JWT_PUBLIC_KEY_PATH and JWKS_URL')
  }
  const trustedIssuers = readList(env.TRUSTED_ISSUERS)
  if (trustedIssuers.length === 0) {
    throw new Error('TRUSTED_ISSUERS is missing: set the cloud API origins, comma separated')
  }

  return {
    trafficHost: nonEmpty(env.TRAFFIC_HOST) ?? '127.0.0.1',
    trafficPort: readInteger('TRAFFIC_PORT', env.TRAFFIC_PORT, 8080, 65535),
    managementHost: nonEmpty(env.MANAGEMENT_HOST) ?? '127.0.0.1',
    managementPort: readInteger('MANAGEMENT_PORT', env.MANAGEMENT_PORT, 9090, 65535),
    managementBasePath: nonEmpty(env.MANAGEMENT_BASE_PATH) ?? '/admin',
    keySource: publicKeyPath !== undefined ? { path: publicKeyPath } : { jwksUrl: jwksUrl ?? '' },
    issuers: readList(env.JWT_ISSUER),
    audiences: readList(env.JWT_AUDIENCE),
    trustedIssuers,
    renewalWarningDays: readInteger('RENEWAL_WARNING_DAYS', env.RENEWAL_WARNING_DAYS, 7),
    instanceId: nonEmpty(env.INSTANCE_ID) ?? 'harmony-gateway',
    homeDir: nonEmpty(env.HARMONY_HOME_DIR) ?? os.homedir(),
    shutdownTimeoutMs: readInteger('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 10_000),
  }
}

function readList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function nonEmpty(text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function readInteger(name: string, text: string | undefined, fallback: number, max = Infinity) {
  const trimmed = nonEmpty(text)
  if (trimmed === undefined) return fallback
  const value = Number(trimmed)
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be an integer from 0 to ${max}, got ${JSON.stringify(text)}`)
  }
  return value
}

/** Logs one line per finished request, with the path only: a query string may carry credentials. */
function logRequests(request: Request, response: Response, next: () => void): void {
  const startedAt = performance.now()
  response.on('finish', () => {
    const durationMs = Math.round((performance.now() - startedAt) * 10) / 10
    const fields = { method: request.method, path: request.path, status: response.statusCode }
    logger.info({ ...fields, durationMs }, 'request completed')
  })
  next()
}

/** Answers a verified request with its subject, method and path. */
function echo(request: Request, response: Response): void {
  const subject = request.auth?.payload.sub ?? ''
  response.json({ subject, method: request.method, path: request.path })
}

async function main(): Promise<void> {
  logger.debug({ sdkEntry: require.resolve('@harmony-auth/core') }, 'loaded the SDK')
  const settings = readSettings(process.env)
  const verifier = new core.JwtVerifier({
    keys: [settings.keySource],
    ...(settings.issuers.length > 0 && { issuer: settings.issuers }),
    ...(settings.audiences.length > 0 && { audience: settings.audiences }),
    logger,
  })
  const tokenStore = filesystem.openTokenStore({
    instanceId: settings.instanceId,
    homeDir: settings.homeDir,
    logger,
  })
  const authorizationClient = new core.AuthorizationClient({
    trustedIssuers: settings.trustedIssuers,
    tokenStore,
    logger,
  })

  const traffic = express()
  traffic.disable('x-powered-by')
  traffic.use(logRequests)
  traffic.use(core.createExpressJwtAuth(verifier, { logger }))
  traffic.use(echo)

  // The management handler reads the request body itself, so no body parser runs before it, and
  // it is mounted without a path so that Express leaves `request.url` and the base path intact.
  const managementHandler = core.createManagementHandler({
    basePath: settings.managementBasePath,
    authorizationClient,
    tokenStore,
    logger,
  })
  const management = express()
  management.disable('x-powered-by')
  management.use(logRequests)
  management.use((request: Request, response: Response) => managementHandler(request, response))

  const trafficServer = http.createServer(traffic)
  const managementServer = http.createServer(management)
  const trafficAddress = await listen(trafficServer, settings.trafficHost, settings.trafficPort)
  const managementAddress = await listen(
    managementServer,
    settings.managementHost,
    settings.managementPort,
  )
  await authorizationClient
    .checkExpiry({ withinDays: settings.renewalWarningDays })
    .catch((error: unknown) => {
      logger.error({ err: error }, 'machine token could not be read')
    })
  // These two lines tell a supervisor (and the tests) that the gateway is ready.
  logger.info(trafficAddress, 'traffic port listening')
  const basePath = settings.managementBasePath
  logger.info({ ...managementAddress, basePath }, 'management port listening')

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down')
    const timeoutMs = settings.shutdownTimeoutMs
    Promise.all([stop(trafficServer, timeoutMs), stop(managementServer, timeoutMs)]).then(
      () => {
        verifier.close()
        logger.info('gateway stopped')
      },
      (error: unknown) => logger.error({ err: error }, 'shutdown failed'),
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(server.address() as AddressInfo))
  })
}

/** Stops accepting connections, lets open requests finish and drops the rest after `timeoutMs`. */
function stop(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs)
    // A keep-alive connection turns idle when its last response ends, so idle ones are swept
    // until the server has closed.
    const sweep = setInterval(() => server.closeIdleConnections(), 50)
    server.close(() => {
      clearTimeout(timer)
      clearInterval(sweep)
      resolve()
    })
    server.closeIdleConnections()
  })
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'gateway failed to start')
  process.exitCode = 1
})
