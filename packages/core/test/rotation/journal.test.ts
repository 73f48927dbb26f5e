import { describe, expect, it } from 'vitest'
import { KeyRotator } from '@harmony-auth/core'
import { MemorySecretStore } from '@harmony-auth/testing'
import { JOURNAL_NAME, seedStore, snapshotStores, tokenNames } from './fixtures.js'

const NAMES = tokenNames(3)
const encoder = new TextEncoder()

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

/** Starts a rotation and aborts it after the first re-encrypted entry, leaving a journal. */
async function interruptedRotation() {
  const store = new MemorySecretStore()
  await seedStore(store, store, NAMES)
  const rotator = new KeyRotator({ key: { store }, targets: [{ store, names: NAMES }] })
  const controller = new AbortController()
  const aborted = await failureOf(
    rotator.rotateEncryptionKey({
      backup: false,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.phase === 're-encrypt') controller.abort()
      },
    }),
  )
  expect(aborted).toMatchObject({ code: 'ERR_ROTATION_ABORTED' })
  const journal = JSON.parse((await store.get(JOURNAL_NAME)).value.text()) as object
  return { store, rotator, journal }
}

describe('rotation journal', () => {
  it.each([
    ['a null target', [null]],
    ['a number target', [5]],
    ['a target without a name', [{ store: 0 }]],
    ['a target store that is text', [{ store: '0', name: 'token-00' }]],
    ['a target name with a slash', [{ store: 0, name: '../auth.json' }]],
    ['a target source that is a number', [{ store: 0, name: 'token-00', source: 7 }]],
  ])('rejects a journal with %s', async (_case, targets) => {
    const { store, rotator, journal } = await interruptedRotation()
    await store.put(JOURNAL_NAME, encoder.encode(JSON.stringify({ ...journal, targets })))
    const before = await snapshotStores(store, store, NAMES)

    const error = await failureOf(rotator.resume())
    expect(error).toMatchObject({ code: 'ERR_ROTATION_IN_PROGRESS' })
    expect(await snapshotStores(store, store, NAMES)).toEqual(before)
  })

  it('resumes from the journal it wrote', async () => {
    const { rotator } = await interruptedRotation()
    const report = await rotator.resume()
    expect(report.entries).toHaveLength(NAMES.length)
  })
})
