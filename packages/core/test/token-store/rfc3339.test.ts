import fc from 'fast-check'
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

  it('keeps years before 100 as written', () => {
    expect(parseRfc3339('0050-06-01T00:00:00Z')?.toISOString()).toBe('0050-06-01T00:00:00.000Z')
    expect(parseRfc3339('0000-01-01T00:00:00Z')?.toISOString()).toBe('0000-01-01T00:00:00.000Z')
    expect(parseRfc3339('0004-02-29T00:00:00Z')?.toISOString()).toBe('0004-02-29T00:00:00.000Z')
    expect(parseRfc3339('0001-02-29T00:00:00Z')).toBeUndefined()
  })

  it('matches Date for generated offsets', () => {
    const moment = fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('2999-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    const offsetMinutes = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 })
    fc.assert(
      fc.property(moment, offsetMinutes, (date, offset) => {
        const shifted = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23)
        const sign = offset < 0 ? '-' : '+'
        const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')
        const minutes = String(Math.abs(offset) % 60).padStart(2, '0')
        const text = `${shifted}${sign}${hours}:${minutes}`
        expect(parseRfc3339(text)?.getTime()).toBe(date.getTime())
      }),
    )
  })
})
