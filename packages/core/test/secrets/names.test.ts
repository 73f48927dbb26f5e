import { describe, expect, it } from 'vitest'
import { assertValidName, isValidName } from '../../src/secrets/names.js'

describe('assertValidName', () => {
  it.each(['gw-1', 'a', 'A.b_c-9', 'x'.repeat(128), '...'])('accepts %j', (name) => {
    expect(assertValidName(name, 'instanceId')).toBe(name)
  })

  it.each(['', '.', '..', 'a/b', '../x', 'a b', 'x'.repeat(129), 'é', 'a\0b', 42, null])(
    'rejects %j with ERR_SECRET_INVALID_NAME',
    (name) => {
      expect(isValidName(name)).toBe(false)
      expect(() => assertValidName(name, 'instanceId')).toThrow(
        expect.objectContaining({ code: 'ERR_SECRET_INVALID_NAME' }),
      )
    },
  )
})
