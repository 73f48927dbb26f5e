import { afterEach, describe, expect, it, vi } from 'vitest'
import { createBearerAuth } from '../../src/http/bearer-auth.js'
import type { AuthenticateResult } from '../../src/jwt/types.js'

const throwing = { authenticate: () => Promise.reject(new TypeError('detail')) }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('createBearerAuth', () => {
  it('rejects invalid arguments at creation', () => {
    expect(() => createBearerAuth(null as never)).toThrow(TypeError)
    expect(() => createBearerAuth({ authenticate: 'no' } as never)).toThrow(TypeError)
    expect(() => createBearerAuth(throwing, null as never)).toThrow(TypeError)
    expect(() => createBearerAuth(throwing, { logger: {} as never })).toThrow(TypeError)
  })

  it('drops the ok flag from the verified token', async () => {
    const success: AuthenticateResult = {
      ok: true,
      payload: { sub: 'a' },
      protectedHeader: { alg: 'RS256' },
      key: { algorithm: 'RS256', source: 'pem' },
    }
    const outcome = await createBearerAuth({ authenticate: () => Promise.resolve(success) })(
      'Bearer t',
    )

    expect(outcome).toEqual({
      ok: true,
      auth: { payload: { sub: 'a' }, protectedHeader: { alg: 'RS256' }, key: success.key },
    })
  })

  it('warns once without a logger when authenticate throws', async () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const authenticate = createBearerAuth(throwing)
    const first = await authenticate('Bearer t')
    await authenticate('Bearer t')

    expect(first.ok).toBe(false)
    expect(first.ok ? 0 : first.reply.status).toBe(500)
    expect(emitWarning).toHaveBeenCalledTimes(1)
    expect(String(emitWarning.mock.calls[0]![0])).toContain('TypeError')
    expect(String(emitWarning.mock.calls[0]![0])).not.toContain('detail')
  })

  it('logs every throw with name and code to a logger', async () => {
    const error = vi.fn()
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error }
    const coded = Object.assign(new Error('detail'), { code: 'ERR_JWKS_FETCH_FAILED' })
    const authenticate = createBearerAuth({ authenticate: () => Promise.reject(coded) }, { logger })
    await authenticate(undefined)
    await authenticate(undefined)

    expect(error).toHaveBeenCalledTimes(2)
    expect(error.mock.calls[0]![0]).toEqual({ name: 'Error', code: 'ERR_JWKS_FETCH_FAILED' })
  })
})
