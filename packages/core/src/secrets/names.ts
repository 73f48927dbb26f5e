import { HarmonyAuthError } from '../errors.js'

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/

/** Returns whether `value` is a valid instance id or secret name: `[A-Za-z0-9._-]{1,128}`, not `.` or `..`. */
export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && NAME_PATTERN.test(value) && value !== '.' && value !== '..'
}

/**
 * Checks an instance id or secret name and returns it.
 *
 * @param label - The name of the value in the error message, for example `instanceId`.
 * @throws HarmonyAuthError `ERR_SECRET_INVALID_NAME` when the value is not 1 to 128 characters of
 * `[A-Za-z0-9._-]`, or is `.` or `..`.
 */
export function assertValidName(value: unknown, label: string): string {
  if (isValidName(value)) return value
  throw new HarmonyAuthError(
    'ERR_SECRET_INVALID_NAME',
    `Invalid ${label}: use 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' or '-', and not '.' or '..'`,
    { source: label },
  )
}
