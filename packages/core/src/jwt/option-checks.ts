import { types } from 'node:util'
import { ConfigurationError } from '../errors.js'
import type { Clock } from '../support/clock.js'

/** Returns the error for an option value that has the right type but cannot be used. */
export function invalid(message: string): ConfigurationError {
  return new ConfigurationError('ERR_CONFIG_INVALID', message)
}

/** Reads a string or a non-empty list of strings; empty values are configuration errors. */
export function stringList(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined
  const list: unknown[] = Array.isArray(value) ? value : [value]
  if (list.some((item) => typeof item !== 'string')) {
    throw new TypeError(`${name} must be a string or an array of strings`)
  }
  if (list.length === 0 || list.includes('')) throw invalid(`${name} must not be empty`)
  return list as string[]
}

/** Reads an optional array of non-empty strings. */
export function names(value: unknown, name: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings`)
  return stringList(value.length === 0 ? undefined : value, name) ?? []
}

/** Reads an optional number within `min` to `max`, or returns `fallback`. */
export function numberOption(
  value: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`${name} must be a number`)
  if (value < min || value > max) throw new RangeError(`${name} must be between ${min} and ${max}`)
  return value
}

/** Reads an optional integer (or Infinity) within `min` to `max`, or returns `fallback`. */
export function integerOption(
  value: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const result = numberOption(value, name, min, max, fallback)
  if (!Number.isInteger(result) && result !== Infinity)
    throw new RangeError(`${name} must be an integer`)
  return result
}

/** Reads an optional function. */
export function functionOption<T>(value: unknown, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function')
    throw new TypeError(`${name} must be a function`)
  return value as T | undefined
}

/**
 * Reads the current time of `clock` in epoch milliseconds. A clock that returns anything but a
 * valid `Date` would turn every time comparison false, and so let expired tokens pass, so it fails.
 *
 * @throws ConfigurationError `ERR_CONFIG_INVALID` when the clock returns no valid `Date`.
 */
export function readClock(clock: Clock): number {
  const now: unknown = clock()
  const ms = types.isDate(now) ? now.getTime() : Number.NaN
  if (!Number.isFinite(ms)) {
    throw invalid('clock returned no valid Date; it must return a Date such as new Date()')
  }
  return ms
}

/** Reads an optional clock and calls it once, so a clock of the wrong shape fails at construction. */
export function clockOption(value: unknown): Clock | undefined {
  const clock = functionOption<Clock>(value, 'clock')
  if (clock === undefined) return undefined
  try {
    readClock(clock)
  } catch {
    throw new TypeError('clock must return a valid Date, such as () => new Date()')
  }
  return clock
}
