import { describe, expect, it } from 'vitest'
import { readConfig } from '../src/config.js'

const minimal = {
  JWT_PUBLIC_KEY_PATH: '/keys/signing.pub.pem',
  TRUSTED_ISSUERS: 'https://cloud.example',
}

describe('readConfig', () => {
  it('applies the defaults', () => {
    const config = readConfig({ ...minimal, HARMONY_HOME_DIR: '/home/gw' })
    expect(config.trafficHost).toBe('127.0.0.1')
    expect(config.trafficPort).toBe(8080)
    expect(config.managementHost).toBe('127.0.0.1')
    expect(config.managementPort).toBe(9090)
    expect(config.managementBasePath).toBe('/admin')
    expect(config.instanceId).toBe('harmony-gateway')
    expect(config.homeDir).toBe('/home/gw')
    expect(config.renewalWarningDays).toBe(7)
    expect(config.shutdownTimeoutMs).toBe(10_000)
    expect(config.upstreamUrl).toBeUndefined()
    expect(config.issuers).toEqual([])
    expect(config.audiences).toEqual([])
  })

  it('reads the key path or the JWKS URL', () => {
    expect(readConfig(minimal).keySource).toEqual({ kind: 'path', path: '/keys/signing.pub.pem' })
    const fromUrl = readConfig({
      ...minimal,
      JWT_PUBLIC_KEY_PATH: '',
      JWKS_URL: 'https://idp/jwks',
    })
    expect(fromUrl.keySource).toEqual({ kind: 'jwksUrl', url: 'https://idp/jwks' })
  })

  it('rejects both key sources at once', () => {
    expect(() => readConfig({ ...minimal, JWKS_URL: 'https://idp/jwks' })).toThrow(/only one of/)
  })

  it('names the missing key variables', () => {
    expect(() => readConfig({ TRUSTED_ISSUERS: 'https://cloud.example' })).toThrow(
      /JWT_PUBLIC_KEY_PATH.*JWKS_URL/,
    )
  })

  it('requires trusted issuers', () => {
    expect(() => readConfig({ JWT_PUBLIC_KEY_PATH: '/k.pem' })).toThrow(/TRUSTED_ISSUERS/)
  })

  it('splits comma-separated lists', () => {
    const config = readConfig({
      ...minimal,
      TRUSTED_ISSUERS: 'https://a.example, https://b.example,',
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'orders, billing',
    })
    expect(config.trustedIssuers).toEqual(['https://a.example', 'https://b.example'])
    expect(config.issuers).toEqual(['https://idp.example'])
    expect(config.audiences).toEqual(['orders', 'billing'])
  })

  it.each(['-1', '65536', '80.5', 'http'])('rejects TRAFFIC_PORT %s', (port) => {
    expect(() => readConfig({ ...minimal, TRAFFIC_PORT: port })).toThrow(/TRAFFIC_PORT/)
  })

  it('accepts port 0', () => {
    expect(readConfig({ ...minimal, MANAGEMENT_PORT: '0' }).managementPort).toBe(0)
  })

  it.each(['admin', '/admin/', '/ad min'])('rejects MANAGEMENT_BASE_PATH %s', (path) => {
    expect(() => readConfig({ ...minimal, MANAGEMENT_BASE_PATH: path })).toThrow(
      /MANAGEMENT_BASE_PATH/,
    )
  })

  it.each(['not a url', 'ftp://files.example'])('rejects UPSTREAM_URL %s', (url) => {
    expect(() => readConfig({ ...minimal, UPSTREAM_URL: url })).toThrow(/UPSTREAM_URL/)
  })

  it('reads UPSTREAM_URL', () => {
    const config = readConfig({ ...minimal, UPSTREAM_URL: 'http://127.0.0.1:8000/api' })
    expect(config.upstreamUrl?.href).toBe('http://127.0.0.1:8000/api')
  })

  it.each(['-1', 'soon'])('rejects RENEWAL_WARNING_DAYS %s', (days) => {
    expect(() => readConfig({ ...minimal, RENEWAL_WARNING_DAYS: days })).toThrow(
      /RENEWAL_WARNING_DAYS/,
    )
  })
})
