import { pino } from 'pino'
import { readConfig } from './config.js'
import { startGateway } from './gateway.js'
import { checkMachineToken } from './renewal.js'

// Secret-bearing fields that pino replaces with [Redacted], whatever a log call passes.
const REDACTED_PATHS = ['req.headers.authorization', 'headers.authorization', 'machineToken']

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', redact: REDACTED_PATHS })

async function main(): Promise<void> {
  const config = readConfig()
  const gateway = await startGateway(config, logger)
  await checkMachineToken(gateway.authorizationClient, config.renewalWarningDays, logger)
  gateway.logReady()

  let stopping = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down')
    gateway.close(config.shutdownTimeoutMs).then(
      () => logger.info('gateway stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exitCode = 1
      },
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  // SDK errors carry a stable code and a message without secret values, so they can be logged.
  logger.fatal({ err: error }, 'gateway failed to start')
  process.exitCode = 1
})
