import { describe, expect, it } from 'vitest'
import { parseRfc3339 } from '../../src/token-store/rfc3339.js'

describe('parseRfc3339', () => {
  it('parses UTC and offset forms', () => {
    expect(parseRfc3339('2030-01-02T03:04:05Z')?.toISOString()).toBe('2030-01-02T03:04:05.000Z')
    expect(parseRfc3339('2030-01-02T03:04:05.678Z')?.toISOString()).toBe('2030-01-02T03:04:05.678Z')
    expect(parseRfc3339('2030-01-02T05:04:05+02:00')?.toISOString()).toBe(
      '2030-01-02T03:04:05.000Z',
    )
    expect(parseRfc3339('2030-01-02T00:34:05-02:30')?.toISOString()).toBe(
      '2030-01-02T03:04:05.000Z',
    )
    expect(parseRfc3339('2030-01-02 03:04:05z')?.toISOString()).toBe('2030-01-02T03:04:05.000Z')
  })

  it('truncates nanosecond fractions', () => {
    expect(parseRfc3339('2030-01-02T03:04:05.123456789+00:00')?.toISOString()).toBe(
      '2030-01-02T03:04:05.123Z',
    )
    expect(parseRfc3339('2030-01-02T03:04:05.5Z')?.toISOString()).toBe('2030-01-02T03:04:05.500Z')
  })

  it('rejects invalid text and fields', () => {
    const invalid = [
      '',
      'tomorrow',
      '2030-01-02',
      '2030-01-02T03:04:05',
      '2030-02-30T00:00:00Z',
      '2031-02-29T00:00:00Z',
      '2030-13-01T00:00:00Z',
      '2030-01-01T24:00:00Z',
      '2030-01-01T00:60:00Z',
      '2030-01-01T00:00:00+24:00',
      '1704067200',
      ' 2030-01-02T03:04:05Z',
    ]
    for (const text of invalid) expect(parseRfc3339(text), text).toBeUndefined()
    expect(parseRfc3339('2032-02-29T00:00:00Z')?.toISOString()).toBe('2032-02-29T00:00:00.000Z')
  })
})
