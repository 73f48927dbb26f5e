/** Structured fields of a log record. Never put a token, key or secret value in them. */
export type LogFields = Record<string, unknown>

/**
 * The logger shape the SDK accepts: pino's `(fields, message)` methods. A pino or bunyan logger
 * fits as it is. The SDK is silent unless one is given, except for warnings the security model
 * requires, which go to `process.emitWarning` when no logger is set.
 */
export interface Logger {
  debug(fields: LogFields, message?: string): void
  info(fields: LogFields, message?: string): void
  warn(fields: LogFields, message?: string): void
  error(fields: LogFields, message?: string): void
}

const ignore = (): void => undefined

/** A logger that drops every record. */
export const silentLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
})

/**
 * Reports a warning that must reach an operator even without a logger: through `logger.warn`
 * when one is given, otherwise through `process.emitWarning` with the code.
 */
export function warnOperator(
  logger: Logger | undefined,
  code: string,
  message: string,
  fields: LogFields = {},
): void {
  if (logger) {
    logger.warn({ code, ...fields }, message)
    return
  }
  process.emitWarning(message, { type: 'HarmonyAuthWarning', code })
}
