import { describe, expect, it } from 'vitest'
import { JwtVerificationError } from '../../src/errors.js'
import { RepeatedLogLimiter, safeErrorFields } from '../../src/http/management-log-limit.js'

function movableClock(): { clock: () => Date; advance: (ms: number) => void } {
  let nowMs = Date.UTC(2026, 0, 1)
  return {
    clock: () => new Date(nowMs),
    advance: (ms) => {
      nowMs += ms
    },
  }
}

describe('RepeatedLogLimiter', () => {
  it('admits the first record of a key', () => {
    const limiter = new RepeatedLogLimiter(1000, movableClock().clock)
    expect(limiter.admit('401 a')).toBe(0)
    expect(limiter.admit('401 b')).toBe(0)
  })

  it('counts repeats until the interval ends', () => {
    const time = movableClock()
    const limiter = new RepeatedLogLimiter(1000, time.clock)
    expect(limiter.admit('k')).toBe(0)
    expect(limiter.admit('k')).toBeUndefined()
    time.advance(999)
    expect(limiter.admit('k')).toBeUndefined()
    time.advance(1)
    expect(limiter.admit('k')).toBe(2)
    expect(limiter.admit('k')).toBeUndefined()
    time.advance(1000)
    expect(limiter.admit('k')).toBe(1)
    time.advance(1000)
    expect(limiter.admit('k')).toBe(0)
  })

  it('admits everything with interval 0', () => {
    const limiter = new RepeatedLogLimiter(0, movableClock().clock)
    for (let index = 0; index < 3; index += 1) expect(limiter.admit('k')).toBe(0)
  })

  it('drops the key logged longest ago when full', () => {
    const time = movableClock()
    const limiter = new RepeatedLogLimiter(1000, time.clock, 2)
    limiter.admit('a')
    limiter.admit('b')
    expect(limiter.admit('a')).toBeUndefined()
    expect(limiter.admit('c')).toBe(0)
    // 'a' was the oldest key, so it was dropped and its next record is admitted at once.
    expect(limiter.admit('a')).toBe(0)
    expect(limiter.admit('c')).toBeUndefined()
  })
})

describe('safeErrorFields', () => {
  it('uses the code of an SDK error', () => {
    const error = new JwtVerificationError('ERR_JWT_EXPIRED', 'CANARY')
    expect(safeErrorFields(error)).toEqual({
      code: 'ERR_JWT_EXPIRED',
      errorName: 'JwtVerificationError',
    })
  })

  it.each([
    ['a plain Error', new Error('CANARY'), { code: 'unexpected_error', errorName: 'Error' }],
    [
      'a Node.js code',
      Object.assign(new Error('CANARY'), { code: 'ECONNRESET' }),
      { code: 'ECONNRESET', errorName: 'Error' },
    ],
    [
      'a code with spaces',
      Object.assign(new RangeError('x'), { code: 'CANARY code' }),
      { code: 'unexpected_error', errorName: 'RangeError' },
    ],
    [
      'a numeric code',
      Object.assign(new Error('x'), { code: 42 }),
      { code: 'unexpected_error', errorName: 'Error' },
    ],
    ['a string', 'CANARY', { code: 'unexpected_error' }],
    ['null', null, { code: 'unexpected_error' }],
    [
      'a name with free text',
      Object.assign(new Error('x'), { name: 'CANARY name' }),
      { code: 'unexpected_error' },
    ],
  ])('reduces %s to safe fields', (_case, error, expected) => {
    const fields = safeErrorFields(error)
    expect(fields).toEqual(expected)
    expect(JSON.stringify(fields)).not.toContain('CANARY')
  })
})
