import { isHarmonyAuthError, type HarmonyAuthErrorCode } from '@harmony-auth/core'

/**
 * Exit codes of `harmony-auth`. They are part of the command's contract: scripts branch on them,
 * so a number never changes meaning.
 */
export const EXIT_CODES = {
  /** The command succeeded. */
  ok: 0,
  /** An unexpected failure, for example a store that cannot be reached. */
  failure: 1,
  /** Invalid flags, arguments or configuration values. */
  usage: 2,
  /** A destructive command was not confirmed: no `--yes` and no terminal, or the reply was not `yes`. */
  notConfirmed: 3,
  /** Stored data or an input was rejected: undecryptable entries, a bad backup, an invalid key. */
  rejected: 4,
  /** The rotation state does not allow the command, for example a rotation is in progress. */
  rotationState: 5,
  /** The key, token, secret or file does not exist. */
  notFound: 6,
  /** The selected store adapter is not available in this build. */
  notSupported: 7,
  /** `token status`: a token exists but has expired. */
  tokenExpired: 8,
  /** The command was interrupted with SIGINT or SIGTERM; run `key resume` after a rotation. */
  interrupted: 130,
} as const

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

const BY_CODE: Partial<Record<HarmonyAuthErrorCode, ExitCode>> = {
  ERR_CONFIG_INVALID: EXIT_CODES.usage,
  ERR_CONFIG_KEY_INVALID: EXIT_CODES.usage,
  ERR_SECRET_INVALID_NAME: EXIT_CODES.usage,
  ERR_ROTATION_UNDECRYPTABLE: EXIT_CODES.rejected,
  ERR_ROTATION_VERIFY_FAILED: EXIT_CODES.rejected,
  ERR_BACKUP_INVALID: EXIT_CODES.rejected,
  ERR_BACKUP_DECRYPT_FAILED: EXIT_CODES.rejected,
  ERR_BACKUP_MISMATCH: EXIT_CODES.rejected,
  ERR_KEY_INVALID: EXIT_CODES.rejected,
  ERR_TOKEN_STORE_DECRYPT_FAILED: EXIT_CODES.rejected,
  ERR_TOKEN_STORE_CORRUPT: EXIT_CODES.rejected,
  ERR_TOKEN_STORE_INVALID_RECORD: EXIT_CODES.rejected,
  ERR_TOKEN_STORE_PLAINTEXT: EXIT_CODES.rejected,
  ERR_SECRET_SYMLINK: EXIT_CODES.rejected,
  ERR_SECRET_CONFLICT: EXIT_CODES.rejected,
  ERR_ROTATION_IN_PROGRESS: EXIT_CODES.rotationState,
  ERR_ROTATION_NOT_IN_PROGRESS: EXIT_CODES.rotationState,
  ERR_ROTATION_PREVIOUS_KEY_IN_USE: EXIT_CODES.rotationState,
  ERR_KEY_NOT_FOUND: EXIT_CODES.notFound,
  ERR_SECRET_NOT_FOUND: EXIT_CODES.notFound,
  ERR_NOT_SUPPORTED: EXIT_CODES.notSupported,
  ERR_ROTATION_ABORTED: EXIT_CODES.interrupted,
}

/** Returns the exit code for an error raised by a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode
  if (isHarmonyAuthError(error)) return BY_CODE[error.code] ?? EXIT_CODES.failure
  // The SDK raises these for option values of the wrong type or range, which come from flags.
  if (error instanceof TypeError || error instanceof RangeError) return EXIT_CODES.usage
  return EXIT_CODES.failure
}

/** A failure of the command line itself, with its exit code and a stable `code` for `--json`. */
export class CliError extends Error {
  override name = 'CliError'

  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message)
  }
}
