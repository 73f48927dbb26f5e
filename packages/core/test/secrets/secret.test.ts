import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Secret } from '../../src/secrets/secret.js'

const VALUE = 'canary-secret-value-0123456789abcdef'

describe('Secret', () => {
  it('prints as redacted in every text form', () => {
    const secret = new Secret(VALUE)
    expect(String(secret)).toBe('[redacted]')
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the case under test
    expect(`${secret}`).toBe('[redacted]')
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}')
    expect(inspect(secret)).not.toContain(VALUE)
    expect(inspect({ nested: { secret } }, { depth: 5 })).not.toContain(VALUE)
    expect(Object.prototype.toString.call(secret)).not.toContain(VALUE)
  })

  it('returns copies of its bytes', () => {
    const input = new TextEncoder().encode(VALUE)
    const secret = new Secret(input)
    input[0] = 0
    const out = secret.bytes()
    out[1] = 0
    expect(secret.text()).toBe(VALUE)
    expect(secret.byteLength).toBe(VALUE.length)
  })

  it('compares by value', () => {
    const secret = Secret.from(VALUE)
    expect(secret.equals(VALUE)).toBe(true)
    expect(secret.equals(`${VALUE}x`)).toBe(false)
    expect(secret.equals(new Secret(VALUE.toUpperCase()))).toBe(false)
    expect(Secret.from(secret)).toBe(secret)
  })
})
