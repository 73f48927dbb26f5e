import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Secret } from '../../src/secrets/secret.js'
import { MachineToken } from '../../src/token-store/machine-token.js'
import type { MachineTokenInput } from '../../src/token-store/machine-token.js'

const TOKEN = 'machine-token-canary-0123456789'
const NOW = new Date('2030-06-01T12:00:00.000Z')
const clock = (): Date => new Date(NOW)

const input: MachineTokenInput = {
  machineToken: TOKEN,
  expiresAt: '2030-06-02T12:00:00Z',
  gatewayId: 'gw-42',
  gatewayCode: 'edge-1',
  abilities: ['proxy', 'metrics'],
}

describe('MachineToken', () => {
  it('copies the input and defaults issuedAt to the clock', () => {
    const token = new MachineToken(input, clock)
    expect(token.machineToken).toBeInstanceOf(Secret)
    expect(token.machineToken.text()).toBe(TOKEN)
    expect(token.expiresAt.toISOString()).toBe('2030-06-02T12:00:00.000Z')
    expect(token.issuedAt.toISOString()).toBe(NOW.toISOString())
    expect(token.abilities).toEqual(['proxy', 'metrics'])
    expect(Object.isFrozen(token.abilities)).toBe(true)
  })

  it('defaults abilities to an empty list', () => {
    expect(new MachineToken({ ...input, abilities: undefined }, clock).abilities).toEqual([])
  })

  it('checks validity against the clock', () => {
    expect(new MachineToken(input, clock).isValid()).toBe(true)
    expect(new MachineToken({ ...input, expiresAt: NOW }, clock).isValid()).toBe(false)
    expect(new MachineToken({ ...input, expiresAt: '2030-06-01T11:59:59Z' }, clock).isValid()).toBe(
      false,
    )
  })

  it('tells whether it expires within a duration', () => {
    const token = new MachineToken(input, clock)
    expect(token.expiresWithin(24 * 3600 - 1)).toBe(false)
    expect(token.expiresWithin(24 * 3600)).toBe(true)
    expect(token.expiresWithin(0)).toBe(false)
    expect(() => token.expiresWithin(-1)).toThrow(RangeError)
    expect(() => token.expiresWithin(Number.NaN)).toThrow(RangeError)
  })

  it('leaves the token out of JSON and inspect', () => {
    const token = new MachineToken(input, clock)
    expect(JSON.stringify(token)).not.toContain(TOKEN)
    expect(inspect(token, { depth: 10 })).not.toContain(TOKEN)
    expect(JSON.parse(JSON.stringify(token))).toEqual({
      gateway_id: 'gw-42',
      gateway_code: 'edge-1',
      expires_at: '2030-06-02T12:00:00.000Z',
      issued_at: NOW.toISOString(),
      abilities: ['proxy', 'metrics'],
    })
  })

  it('keeps dates of years before 100', () => {
    const expiresAt = new Date('0050-06-01T00:00:00.000Z')
    const token = new MachineToken({ ...input, expiresAt, issuedAt: '0049-01-01T00:00:00Z' }, clock)
    expect(token.expiresAt.toISOString()).toBe('0050-06-01T00:00:00.000Z')
    expect(token.toJSON().issued_at).toBe('0049-01-01T00:00:00.000Z')
  })

  it('rejects invalid fields with a coded error', () => {
    const cases: Record<string, Partial<Record<keyof MachineTokenInput, unknown>>> = {
      'empty token': { machineToken: '' },
      'numeric token': { machineToken: 42 },
      'unparsable expiry': { expiresAt: 'next week' },
      'invalid Date': { expiresAt: new Date(Number.NaN) },
      'numeric expiry': { expiresAt: 1_900_000_000 },
      'empty gateway id': { gatewayId: '' },
      'missing gateway code': { gatewayCode: undefined },
      'abilities not strings': { abilities: ['ok', 3] },
      'unparsable issuedAt': { issuedAt: '2030-02-30T00:00:00Z' },
      'expiry after year 9999': { expiresAt: new Date(Date.UTC(10_000, 0, 1)) },
      'issuedAt before year 0': { issuedAt: new Date(Date.UTC(-1, 0, 1)) },
      'expiry after year 9999 in UTC': { expiresAt: '9999-12-31T23:30:00-01:00' },
    }
    for (const [label, change] of Object.entries(cases)) {
      expect(
        () => new MachineToken({ ...input, ...change } as MachineTokenInput, clock),
        label,
      ).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_STORE_INVALID_RECORD' }))
    }
  })
})
