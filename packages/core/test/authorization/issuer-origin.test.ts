import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  isLoopbackHost,
  normalizeTrustedIssuers,
  originOf,
  trustedOriginOf,
} from '../../src/authorization/issuer-origin.js'
import { isHarmonyAuthError } from '../../src/errors.js'

describe('originOf', () => {
  it.each([
    ['https://api.runbeam.io', 'https://api.runbeam.io'],
    ['https://API.Runbeam.IO/', 'https://api.runbeam.io'],
    ['https://api.runbeam.io:443', 'https://api.runbeam.io'],
    ['https://api.runbeam.io:8443/issuer', 'https://api.runbeam.io:8443'],
    ['http://127.0.0.1:80', 'http://127.0.0.1'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('derives the origin of %s', (issuer, origin) => {
    expect(originOf(issuer)).toBe(origin)
  })

  it.each([
    ['userinfo', 'https://api.runbeam.io@evil.example'],
    ['user and password', 'https://user:pass@api.runbeam.io'],
    ['an @ in the path', 'https://api.runbeam.io/@evil.example'],
    ['a backslash', 'https://evil.example\\@api.runbeam.io'],
    ['a tab', 'https://api.run\tbeam.io'],
    ['a space', 'https://api.runbeam.io /x'],
    ['a query', 'https://api.runbeam.io?next=https://evil.example'],
    ['an empty query', 'https://api.runbeam.io?'],
    ['a fragment', 'https://api.runbeam.io#frag'],
    ['another scheme', 'ftp://api.runbeam.io'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['no scheme', 'api.runbeam.io'],
    ['an empty string', ''],
  ])('rejects %s', (_case, issuer) => {
    expect(originOf(issuer)).toBeUndefined()
  })
})

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.8.9.10', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true)
  })

  it.each(['127.0.0.1.evil.example', '10.0.0.1', 'localhost.evil.example', '[::2]'])(
    'rejects %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false)
    },
  )
})

describe('normalizeTrustedIssuers', () => {
  it('normalizes case and default ports', () => {
    const origins = normalizeTrustedIssuers(['HTTPS://API.Runbeam.io:443/'], false)
    expect([...origins]).toEqual(['https://api.runbeam.io'])
  })

  it('rejects an issuer with a path', () => {
    expect(() => normalizeTrustedIssuers(['https://api.runbeam.io/v1'], false)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })

  it('rejects an issuer with userinfo', () => {
    expect(() => normalizeTrustedIssuers(['https://a@api.runbeam.io'], false)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })

  it('rejects http on a public host', () => {
    expect(() => normalizeTrustedIssuers(['http://api.runbeam.io'], false)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_ISSUER_NOT_ALLOWED' }),
    )
  })

  it('allows http on loopback outside production', () => {
    const origins = normalizeTrustedIssuers(['http://127.0.0.1:8080', 'http://localhost'], false)
    expect([...origins]).toEqual(['http://127.0.0.1:8080', 'http://localhost'])
  })

  it('rejects http on loopback in production', () => {
    expect(() => normalizeTrustedIssuers(['http://127.0.0.1:8080'], true)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_ISSUER_NOT_ALLOWED' }),
    )
  })
})

describe('trustedOriginOf', () => {
  const trusted = normalizeTrustedIssuers(['https://api.runbeam.io'], false)

  it('returns the origin of a trusted issuer', () => {
    expect(trustedOriginOf('https://api.runbeam.io/', trusted)).toBe('https://api.runbeam.io')
  })

  it.each([
    'https://api.runbeam.io.evil.example',
    'https://evil.example/https://api.runbeam.io',
    'https://evilapi.runbeam.io',
    'https://api.runbeam.io:8443',
    'http://api.runbeam.io',
    'https://api.runbeam.io@evil.example',
    'https://evil.example#@api.runbeam.io',
    'api.runbeam.io',
  ])('rejects %s', (issuer) => {
    let caught: unknown
    try {
      trustedOriginOf(issuer, trusted)
    } catch (error) {
      caught = error
    }
    expect(isHarmonyAuthError(caught, 'ERR_AUTHORIZE_ISSUER_NOT_TRUSTED')).toBe(true)
  })
})

describe('trustedOriginOf properties', () => {
  const trustedOrigin = 'https://api.runbeam.io'
  const trusted = normalizeTrustedIssuers([trustedOrigin], false)
  const pieces = ['@', ':', '/', '\\', '.', '#', '?', '%40', 'evil', 'api.runbeam.io', '443', ' ']

  it('trusts only strings whose URL origin is the trusted origin', () => {
    const lookAlike = fc
      .tuple(
        fc.array(fc.constantFrom(...pieces), { maxLength: 4 }),
        fc.array(fc.constantFrom(...pieces), { maxLength: 4 }),
      )
      .map(([before, after]) => `https://${before.join('')}api.runbeam.io${after.join('')}`)
    fc.assert(
      fc.property(fc.oneof(lookAlike, fc.webUrl(), fc.string()), (issuer) => {
        let origin: string | undefined
        try {
          origin = trustedOriginOf(issuer, trusted)
        } catch (error) {
          expect(isHarmonyAuthError(error, 'ERR_AUTHORIZE_ISSUER_NOT_TRUSTED')).toBe(true)
          return
        }
        expect(origin).toBe(trustedOrigin)
        const url = new URL(issuer)
        expect(url.origin).toBe(trustedOrigin)
        expect(url.username + url.password).toBe('')
        expect(issuer).not.toMatch(/[@\\\s?#]/)
      }),
      { numRuns: 2000 },
    )
  })
})
