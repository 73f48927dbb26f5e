import { describe, expect, it } from 'vitest'
import {
  ERROR_CODES,
  HarmonyAuthError,
  JwtVerificationError,
  isHarmonyAuthError,
} from '../src/errors.js'

describe('HarmonyAuthError', () => {
  it('carries a stable code and safe details', () => {
    const error = new JwtVerificationError('ERR_JWT_EXPIRED', 'Token expired', { claim: 'exp' })
    expect(error).toBeInstanceOf(HarmonyAuthError)
    expect(error.code).toBe('ERR_JWT_EXPIRED')
    expect(error.name).toBe('JwtVerificationError')
    expect(error.details).toEqual({ claim: 'exp' })
  })

  it('truncates hostile kid values', () => {
    const error = new HarmonyAuthError('ERR_JWT_KEY_NOT_FOUND', 'No key', {
      kid: 'k'.repeat(10_000),
    })
    expect(error.details.kid).toHaveLength(64)
  })

  it('leaves the cause out of its JSON form', () => {
    const cause = new Error('upstream body with canary-value')
    const error = new HarmonyAuthError('ERR_AUTHORIZE_UPSTREAM_FAILED', 'Upstream failed', {
      cause,
    })
    expect(error.cause).toBe(cause)
    expect(JSON.stringify(error)).not.toContain('canary-value')
  })

  it('recognizes errors by brand and code', () => {
    const error = new HarmonyAuthError('ERR_SECRET_NOT_FOUND', 'Not found')
    expect(isHarmonyAuthError(error)).toBe(true)
    expect(isHarmonyAuthError(error, 'ERR_SECRET_NOT_FOUND')).toBe(true)
    expect(isHarmonyAuthError(error, 'ERR_JWT_EXPIRED')).toBe(false)
    expect(isHarmonyAuthError(new Error('plain'))).toBe(false)
    expect(isHarmonyAuthError(null)).toBe(false)
  })

  it('uses the ERR_<AREA>_<CONDITION> form for every code', () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^ERR_[A-Z0-9]+_[A-Z0-9_]+$/)
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
  })
})
