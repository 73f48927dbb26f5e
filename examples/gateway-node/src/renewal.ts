import type { AuthorizationClient } from '@harmony-auth/core'
import type { Logger } from 'pino'

/**
 * Checks the stored machine token at start. The SDK logs a warning with a code when the token is
 * missing (`HARMONY_AUTH_TOKEN_MISSING`), expired (`HARMONY_AUTH_TOKEN_EXPIRED`) or expires within
 * `warningDays` (`HARMONY_AUTH_TOKEN_EXPIRING`), so an operator re-authorizes in time. A token that
 * cannot be read is logged as an error, and the gateway keeps serving traffic.
 */
export async function checkMachineToken(
  authorizationClient: AuthorizationClient,
  warningDays: number,
  logger: Logger,
): Promise<void> {
  try {
    const status = await authorizationClient.checkExpiry({ withinDays: warningDays })
    if (status.state === 'valid') {
      const expiresAt = status.expiresAt.toISOString()
      logger.info({ expiresAt, expiresInSeconds: status.expiresInSeconds }, 'machine token loaded')
    }
  } catch (error) {
    logger.error({ err: error }, 'machine token could not be read')
  }
}
