import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AuthorizationClient,
  createManagementHandler,
  JwtVerifier,
  type KeySource,
} from '@harmony-auth/core'
import { openTokenStore } from '@harmony-auth/filesystem'
import type { Logger } from 'pino'
import { echoBackend, proxyBackend } from './backend.js'
import type { GatewayConfig, KeySourceConfig } from './config.js'
import { createTrafficHandler } from './traffic.js'

/** A started gateway: both ports listening. */
export interface RunningGateway {
  readonly trafficAddress: AddressInfo
  readonly managementAddress: AddressInfo
  readonly authorizationClient: AuthorizationClient
  /** Logs the two addresses, which is the line that tells a supervisor the gateway is ready. */
  logReady(): void
  /** Stops accepting connections and waits up to `timeoutMs` for open requests to finish. */
  close(timeoutMs: number): Promise<void>
}

/**
 * Builds the SDK objects from `config` and starts the traffic and management ports. Configuration
 * errors of the SDK (a missing key file, an untrusted issuer list) are raised here, before any
 * port opens.
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const verifier = new JwtVerifier({
    keys: [toKeySource(config.keySource)],
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

  const backend = config.upstreamUrl ? proxyBackend(config.upstreamUrl, logger) : echoBackend
  const traffic = createServer(createTrafficHandler(verifier, backend, logger))
  const management = createServer(
    createManagementHandler({
      basePath: config.managementBasePath,
      authorizationClient,
      tokenStore,
      logger,
    }),
  )

  const trafficAddress = await listen(traffic, config.trafficHost, config.trafficPort)
  const managementAddress = await listen(
    management,
    config.managementHost,
    config.managementPort,
  ).catch(async (error: unknown) => {
    await stop(traffic, 0)
    throw error
  })

  const upstream = config.upstreamUrl?.origin
  return {
    logReady() {
      logger.info({ ...trafficAddress, upstream }, 'traffic port listening')
      const basePath = config.managementBasePath
      logger.info({ ...managementAddress, basePath }, 'management port listening')
    },
    trafficAddress,
    managementAddress,
    authorizationClient,
    async close(timeoutMs) {
      await Promise.all([stop(traffic, timeoutMs), stop(management, timeoutMs)])
      verifier.close()
    },
  }
}

function toKeySource(source: KeySourceConfig): KeySource {
  return source.kind === 'path' ? { path: source.path } : { jwksUrl: source.url }
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
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
