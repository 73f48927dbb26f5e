// Date-time per RFC 3339 section 5.6, with the space separator and lower-case letters that the
// section allows. Fractions longer than milliseconds (chrono writes nanoseconds) are truncated.
const RFC3339_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/

// Date.UTC reads years 0 to 99 as 1900 to 1999. The Gregorian calendar repeats every 400 years,
// so fields are computed 400 years later and the cycle's length is subtracted.
const CYCLE_YEARS = 400
const CYCLE_MS = 146_097 * 86_400_000

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year + CYCLE_YEARS, month, 0)).getUTCDate()
}

/**
 * Parses an RFC 3339 date-time such as `2030-01-02T03:04:05.678Z` or
 * `2030-01-02T03:04:05.123456789+02:00`. Returns undefined for anything else, including
 * out-of-range fields such as February 30, which `Date.parse` would roll over.
 */
export function parseRfc3339(text: string): Date | undefined {
  const match = RFC3339_PATTERN.exec(text)
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const offsetHours = match[10] === undefined ? 0 : Number(match[10])
  const offsetMinutes = match[11] === undefined ? 0 : Number(match[11])
  const fieldsValid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  if (!fieldsValid) return undefined

  const milliseconds = Number(((match[7] ?? '.0') + '00').slice(1, 4))
  const sign = match[9] === '-' ? -1 : 1
  const offset = sign * (offsetHours * 60 + offsetMinutes) * 60_000
  // A leap second (:60) is counted as the next second, as JavaScript dates have none.
  const local =
    Date.UTC(year + CYCLE_YEARS, month - 1, day, hour, minute, second, milliseconds) - CYCLE_MS
  return new Date(local - offset)
}
