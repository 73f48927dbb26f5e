import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EncryptionKeyRing, KeyRotator, TokenStore, createKeyRingSource } from '@harmony-auth/core'
import { FilesystemSecretStore } from '@harmony-auth/filesystem'
import {
  KEY_NAME,
  decryptCurrent,
  seedStore,
  storedRing,
  tokenNames,
  tokenPlaintext,
} from './fixtures.js'

const testFolder = dirname(fileURLToPath(import.meta.url))
const CHILD = join(testFolder, 'child', 'rotate-child.mjs')
const BUILT_CORE = join(testFolder, '..', '..', 'dist', 'index.js')
const NAMES = tokenNames(20)
const KILLS = 50
// Progress events of one full rotation: check, re-encrypt, promote and verify per token.
const EVENTS = NAMES.length * 4
const decoder = new TextDecoder()

interface ChildRun {
  killed: boolean
  events: number
}

/**
 * Starts the child and sends SIGKILL once it has printed `killAt` progress events, after a random
 * delay of up to 3 ms so the signal also lands between events.
 */
function runChild(root: string, mode: 'rotate' | 'resume', killAt: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, root, mode, String(NAMES.length)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let events = -1
    let buffered = ''
    let signalled = false
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      events += lines.length
      if (!signalled && events >= killAt) {
        signalled = true
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 4))
      }
    })
    child.on('error', reject)
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      resolve({ killed: signal === 'SIGKILL', events })
    })
  })
}

/** Removes the writer locks of the killed child, standing in for the stale-lock takeover. */
async function removeDeadLocks(root: string): Promise<number> {
  const locks = (await readdir(root)).filter((name) => name.endsWith('~lock'))
  await Promise.all(locks.map((name) => rm(join(root, name), { recursive: true, force: true })))
  return locks.length
}

/** One store rotated by children that get killed; two lanes run side by side. */
class KillLane {
  readonly store: FilesystemSecretStore
  readonly rotator: KeyRotator
  kills = 0
  completed = 0

  constructor(readonly root: string) {
    this.store = new FilesystemSecretStore({ root })
    this.rotator = new KeyRotator({
      key: { store: this.store },
      targets: [{ store: this.store, names: NAMES }],
    })
  }

  async expectLoadsWork(): Promise<void> {
    const keyRing = createKeyRingSource({ store: this.store, env: {} })
    const loaded = await Promise.all(
      NAMES.map((name) => new TokenStore({ backend: this.store, keyRing, name }).load()),
    )
    loaded.forEach((token, index) => {
      expect(token?.machineToken.text()).toBe(`mt-${NAMES[index]}-0`)
    })
  }

  async expectAllOnCurrentKey(): Promise<string> {
    const ring = await storedRing(this.store)
    const currentOnly = await EncryptionKeyRing.from({ current: ring.currentIdentity() })
    for (const name of NAMES) {
      expect(await decryptCurrent(this.store, name, currentOnly)).toBe(
        decoder.decode(tokenPlaintext(name)),
      )
    }
    return ring.recipient
  }

  /** Kills children until `kills` is reached, checking loads after each one. */
  async run(kills: number): Promise<void> {
    while (this.kills < kills) {
      const mode = (await this.rotator.status()).inProgress ? 'resume' : 'rotate'
      const run = await runChild(this.root, mode, Math.floor(Math.random() * (EVENTS + 1)))
      if (run.killed) this.kills += 1
      await removeDeadLocks(this.root)
      await this.expectLoadsWork()

      // Every second kill is followed by a resume in this process; the others leave the
      // interrupted rotation to the next child.
      if (this.kills % 2 === 0 && (await this.rotator.status()).inProgress) {
        await this.rotator.resume()
      }
      if (!(await this.rotator.status()).inProgress) {
        await this.expectAllOnCurrentKey()
        this.completed += 1
      }
    }
    if ((await this.rotator.status()).inProgress) await this.rotator.resume()
  }
}

describe('KeyRotator killed with SIGKILL', () => {
  const lanes: KillLane[] = []

  beforeAll(async () => {
    if (!existsSync(BUILT_CORE)) {
      throw new Error('Run `npm run build` first: the child process imports the built packages')
    }
    for (let index = 0; index < 2; index++) {
      const lane = new KillLane(await mkdtemp(join(tmpdir(), 'harmony-kill-')))
      await seedStore(lane.store, lane.store, NAMES)
      lanes.push(lane)
    }
  })

  afterAll(async () => {
    await Promise.all(lanes.map((lane) => rm(lane.root, { recursive: true, force: true })))
  })

  it('keeps every token through 50 kills', { timeout: 110_000 }, async () => {
    const initial = await Promise.all(
      lanes.map(async (lane) => (await storedRing(lane.store)).recipient),
    )
    await Promise.all(lanes.map((lane) => lane.run(KILLS / lanes.length)))

    for (const [index, lane] of lanes.entries()) {
      expect(await lane.expectAllOnCurrentKey()).not.toBe(initial[index])
      expect(lane.completed).toBeGreaterThan(0)
      expect(await lane.store.list()).toEqual([KEY_NAME, ...NAMES].sort())
    }
    expect(lanes.reduce((sum, lane) => sum + lane.kills, 0)).toBe(KILLS)
  })
})
