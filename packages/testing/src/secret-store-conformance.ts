import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isHarmonyAuthError } from '@harmony-auth/core'
import type { HarmonyAuthErrorCode, SecretStore } from '@harmony-auth/core'

/** A store under test, with an optional cleanup that runs after each test. */
export interface ConformanceSubject {
  store: SecretStore
  cleanup?: () => Promise<void> | void
}

/** Creates a fresh, empty store for each test. */
export type SecretStoreFactory = () =>
  Promise<SecretStore | ConformanceSubject> | SecretStore | ConformanceSubject

/** Options for {@link describeSecretStoreConformance}. */
export interface ConformanceOptions {
  /** Prefix of the secret names the tests use, so a live store can be shared. Default `conformance-`. */
  namePrefix?: string
  /** Timeout of each test, in ms. Default the runner's timeout. */
  timeoutMs?: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const bytesOf = (text: string): Uint8Array => encoder.encode(text)
const INVALID_NAMES = ['', '.', '..', 'a/b', 'a~b', '../escape', 'x'.repeat(129), 'space name']

function isSubject(value: SecretStore | ConformanceSubject): value is ConformanceSubject {
  return 'store' in value && typeof value.store?.get === 'function'
}

async function codeOf(
  promise: Promise<unknown>,
): Promise<HarmonyAuthErrorCode | 'resolved' | 'other'> {
  try {
    await promise
    return 'resolved'
  } catch (error) {
    return isHarmonyAuthError(error) ? error.code : 'other'
  }
}

/**
 * Registers vitest tests that check a {@link SecretStore} against the contract every adapter
 * shares: stage moves on put and promote, not-found codes, name validation, copies of values and
 * sorted listing. Call it at the top level of a test file.
 *
 * @param label - Names the `describe` block, for example `FilesystemSecretStore`.
 * @param factory - Creates a fresh, empty store (and optional cleanup) for each test.
 * @example
 * ```ts
 * describeSecretStoreConformance('MemorySecretStore', () => new MemorySecretStore())
 * ```
 */
export function describeSecretStoreConformance(
  label: string,
  factory: SecretStoreFactory,
  options: ConformanceOptions = {},
): void {
  const prefix = options.namePrefix ?? 'conformance-'
  const name = (suffix: string): string => `${prefix}${suffix}`
  let subject: ConformanceSubject

  const text = async (
    secretName: string,
    stage?: 'current' | 'previous' | 'pending',
  ): Promise<string> =>
    decoder.decode((await subject.store.get(secretName, { stage })).value.bytes())

  describe(`SecretStore conformance: ${label}`, { timeout: options.timeoutMs }, () => {
    beforeEach(async () => {
      const created = await factory()
      subject = isSubject(created) ? created : { store: created }
    })

    afterEach(async () => {
      await subject.cleanup?.()
    })

    it('round-trips a value through get', async () => {
      await subject.store.put(name('a'), bytesOf('first'))
      const stored = await subject.store.get(name('a'))
      expect(decoder.decode(stored.value.bytes())).toBe('first')
      expect(stored.stage).toBe('current')
      expect(typeof stored.version).toBe('string')
    })

    it('round-trips every byte value', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, index) => index)
      await subject.store.put(name('binary'), all)
      expect([...(await subject.store.get(name('binary'))).value.bytes()]).toEqual([...all])
    })

    it('copies values in and out', async () => {
      const input = bytesOf('copied')
      await subject.store.put(name('copy'), input)
      input[0] = 0
      const first = (await subject.store.get(name('copy'))).value.bytes()
      first[1] = 0
      expect(await text(name('copy'))).toBe('copied')
    })

    it('reports a missing secret as not found', async () => {
      expect(await codeOf(subject.store.get(name('missing')))).toBe('ERR_SECRET_NOT_FOUND')
      expect(await codeOf(subject.store.get(name('missing'), { stage: 'pending' }))).toBe(
        'ERR_SECRET_NOT_FOUND',
      )
    })

    it('moves current to previous on put', async () => {
      await subject.store.put(name('a'), bytesOf('one'))
      expect(await codeOf(subject.store.get(name('a'), { stage: 'previous' }))).toBe(
        'ERR_SECRET_NOT_FOUND',
      )
      await subject.store.put(name('a'), bytesOf('two'))
      expect(await text(name('a'))).toBe('two')
      expect(await text(name('a'), 'previous')).toBe('one')
      await subject.store.put(name('a'), bytesOf('three'))
      expect(await text(name('a'), 'previous')).toBe('two')
    })

    it('gives each written version a new id', async () => {
      await subject.store.put(name('a'), bytesOf('one'))
      const first = (await subject.store.get(name('a'))).version
      await subject.store.put(name('a'), bytesOf('two'))
      expect((await subject.store.get(name('a'))).version).not.toBe(first)
    })

    it('keeps current and previous on a pending put', async () => {
      await subject.store.put(name('a'), bytesOf('one'))
      await subject.store.put(name('a'), bytesOf('two'))
      await subject.store.put(name('a'), bytesOf('next'), { stage: 'pending' })
      expect(await text(name('a'))).toBe('two')
      expect(await text(name('a'), 'previous')).toBe('one')
      expect(await text(name('a'), 'pending')).toBe('next')
    })

    it('promotes pending to current', async () => {
      await subject.store.put(name('a'), bytesOf('old'))
      await subject.store.put(name('a'), bytesOf('new'), { stage: 'pending' })
      await subject.store.promote(name('a'))
      expect(await text(name('a'))).toBe('new')
      expect(await text(name('a'), 'previous')).toBe('old')
      expect(await codeOf(subject.store.get(name('a'), { stage: 'pending' }))).toBe(
        'ERR_SECRET_NOT_FOUND',
      )
    })

    it('promotes a pending secret without current', async () => {
      await subject.store.put(name('fresh'), bytesOf('first'), { stage: 'pending' })
      expect(await subject.store.list({ prefix })).toEqual([])
      await subject.store.promote(name('fresh'))
      expect(await text(name('fresh'))).toBe('first')
      expect(await subject.store.list({ prefix })).toEqual([name('fresh')])
    })

    it('rejects promote without pending', async () => {
      await subject.store.put(name('a'), bytesOf('only'))
      expect(await codeOf(subject.store.promote(name('a')))).toBe('ERR_SECRET_NOT_FOUND')
      expect(await text(name('a'))).toBe('only')
      expect(await codeOf(subject.store.promote(name('never')))).toBe('ERR_SECRET_NOT_FOUND')
    })

    it('deletes one stage', async () => {
      await subject.store.put(name('a'), bytesOf('one'))
      await subject.store.put(name('a'), bytesOf('two'))
      await subject.store.delete(name('a'), { stage: 'previous' })
      expect(await codeOf(subject.store.get(name('a'), { stage: 'previous' }))).toBe(
        'ERR_SECRET_NOT_FOUND',
      )
      expect(await text(name('a'))).toBe('two')
    })

    it('deletes every stage', async () => {
      await subject.store.put(name('a'), bytesOf('one'))
      await subject.store.put(name('a'), bytesOf('two'))
      await subject.store.put(name('a'), bytesOf('three'), { stage: 'pending' })
      await subject.store.delete(name('a'))
      for (const stage of ['current', 'previous', 'pending'] as const) {
        expect(await codeOf(subject.store.get(name('a'), { stage }))).toBe('ERR_SECRET_NOT_FOUND')
      }
      expect(await subject.store.list({ prefix })).toEqual([])
    })

    it('deletes a missing secret without error', async () => {
      expect(await codeOf(subject.store.delete(name('missing')))).toBe('resolved')
      expect(await codeOf(subject.store.delete(name('missing'), { stage: 'pending' }))).toBe(
        'resolved',
      )
    })

    it('lists current names sorted', async () => {
      await subject.store.put(name('b'), bytesOf('b'))
      await subject.store.put(name('a'), bytesOf('a'))
      await subject.store.put(name('c'), bytesOf('c'))
      await subject.store.put(name('pending-only'), bytesOf('p'), { stage: 'pending' })
      expect(await subject.store.list({ prefix })).toEqual([name('a'), name('b'), name('c')])
      expect(await subject.store.list({ prefix: name('b') })).toEqual([name('b')])
    })

    it('rejects invalid names in every operation', async () => {
      await subject.store.put(name('a'), bytesOf('kept'))
      for (const invalid of INVALID_NAMES) {
        expect(await codeOf(subject.store.get(invalid)), invalid).toBe('ERR_SECRET_INVALID_NAME')
        expect(await codeOf(subject.store.put(invalid, bytesOf('x'))), invalid).toBe(
          'ERR_SECRET_INVALID_NAME',
        )
        expect(await codeOf(subject.store.promote(invalid)), invalid).toBe(
          'ERR_SECRET_INVALID_NAME',
        )
        expect(await codeOf(subject.store.delete(invalid)), invalid).toBe('ERR_SECRET_INVALID_NAME')
      }
      expect(await subject.store.list({ prefix })).toEqual([name('a')])
      expect(await text(name('a'))).toBe('kept')
    })

    it('ends concurrent puts with one of the values', async () => {
      const values = Array.from({ length: 8 }, (_, index) => `value-${index}`)
      const results = await Promise.allSettled(
        values.map((value) => subject.store.put(name('race'), bytesOf(value))),
      )
      // Stores with check-and-set writes may reject some racing writers, never with another code.
      const stored = values.filter((_, index) => results[index]?.status === 'fulfilled')
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(isHarmonyAuthError(result.reason, 'ERR_SECRET_CONFLICT')).toBe(true)
        }
      }
      expect(stored.length).toBeGreaterThan(0)
      expect(stored).toContain(await text(name('race')))
      if (stored.length > 1) expect(stored).toContain(await text(name('race'), 'previous'))
    })
  })
}
