import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { silentLogger } from '@harmony-auth/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FilesystemSecretStore } from '../src/filesystem-secret-store.js'
import { openTokenStore } from '../src/open-token-store.js'

const here = dirname(fileURLToPath(import.meta.url))
const packages = join(here, '..', '..')
const CRASHES = 100
const SAVES_PER_PROCESS = 200
const WARM_CHILDREN = 4

interface Child {
  process: ChildProcessWithoutNullStreams
  lines: string[]
  exited: Promise<number | null>
}

let folder: string
let bundle: string

/** Bundles the fixture with the sources of core and filesystem, so each child starts fast. */
async function bundleFixture(): Promise<string> {
  const outfile = join(folder, 'save-loop.mjs')
  await build({
    entryPoints: [join(here, 'fixtures', 'save-loop.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    alias: {
      '@harmony-auth/core': join(packages, 'core', 'src', 'index.ts'),
      '@harmony-auth/filesystem': join(packages, 'filesystem', 'src', 'index.ts'),
    },
    // proper-lockfile is CommonJS and requires Node built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  })
  return outfile
}

function startChild(homeDir: string, label: string, mode: string): Child {
  const child = spawn(process.execPath, [bundle, homeDir, label, mode], { stdio: 'pipe' })
  const lines: string[] = []
  let buffered = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    lines.push(...parts)
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { process: child, lines, exited }
}

async function waitForLine(child: Child, line: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!child.lines.includes(line)) {
    if (Date.now() > deadline)
      throw new Error(`child printed no "${line}": ${child.lines.join(' | ')}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** A small seeded generator, so a failing run can be repeated from the seed in its message. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = Math.imul(state ^ (state >>> 15), 1 | state)
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value)
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32
  }
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'token-store-processes-'))
  bundle = await bundleFixture()
})

afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('openTokenStore across processes', () => {
  it('keeps loads working during concurrent saves', async () => {
    const home = mkdtempSync(join(folder, 'concurrent-'))
    const store = openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env: {},
      logger: silentLogger,
    })
    const children = ['a', 'b'].map((label) => startChild(home, label, String(SAVES_PER_PROCESS)))
    let running = true
    const exits = Promise.all(children.map((child) => child.exited)).finally(
      () => (running = false),
    )

    let loads = 0
    while (running) {
      const token = await store.load()
      if (token) {
        expect(token.machineToken.text()).toMatch(/^[ab]-\d+$/)
        loads += 1
      }
      await new Promise((resolve) => setTimeout(resolve, 1))
    }

    expect(await exits).toEqual([0, 0])
    for (const child of children) {
      expect(child.lines.filter((line) => line.startsWith('error'))).toEqual([])
      expect(child.lines.filter((line) => line.startsWith('saved'))).toHaveLength(SAVES_PER_PROCESS)
      expect(child.lines.at(-1)).toBe('done')
    }
    expect(loads).toBeGreaterThan(0)
    const final = (await store.load())?.machineToken.text()
    expect([`a-${SAVES_PER_PROCESS - 1}`, `b-${SAVES_PER_PROCESS - 1}`]).toContain(final)
    const backend = new FilesystemSecretStore({ root: join(home, '.runbeam', 'gw-1') })
    expect(await backend.list()).toEqual(['auth.json', 'encryption.key'])
    await expect(backend.get('encryption.key', { stage: 'previous' })).rejects.toMatchObject({
      code: 'ERR_SECRET_NOT_FOUND',
    })
  }, 60_000)

  it('survives SIGKILL during saves', async () => {
    const home = mkdtempSync(join(folder, 'crash-'))
    const root = join(home, '.runbeam', 'gw-1')
    const store = openTokenStore({
      instanceId: 'gw-1',
      homeDir: home,
      env: {},
      logger: silentLogger,
    })
    const backend = new FilesystemSecretStore({ root })
    await store.save({
      machineToken: 'initial',
      expiresAt: '2030-01-01T00:00:00Z',
      gatewayId: '1',
      gatewayCode: 'gw',
    })
    const seed = Date.now()
    const random = randomFrom(seed)

    // Children start ahead of their round, so their start-up overlaps the rounds before.
    const warm = Array.from({ length: WARM_CHILDREN }, (_, index) =>
      startChild(home, `c${index}`, 'crash'),
    )
    for (let round = 0; round < CRASHES; round += 1) {
      const child = warm.shift()!
      warm.push(startChild(home, `c${round + WARM_CHILDREN}`, 'crash'))
      await waitForLine(child, 'ready')
      child.process.stdin.write('go\n')
      await waitForLine(child, `saved c${round}-0`)
      await new Promise((resolve) => setTimeout(resolve, 1 + random() * 30))
      child.process.kill('SIGKILL')
      await child.exited

      const saved = child.lines
        .filter((line) => line.startsWith('saved '))
        .map((line) => line.slice(6))
      const completed = saved.at(-1)
      const inFlight = `c${round}-${saved.length}`
      const context = `round ${round}, seed ${seed}`
      expect(
        child.lines.filter((line) => line.startsWith('error')),
        context,
      ).toEqual([])
      const token = (await store.load())?.machineToken.text()
      expect([completed, inFlight], context).toContain(token)
      expect(await backend.list(), context).toEqual(['auth.json', 'encryption.key'])

      // The killed child cannot release its writer lock. Waiting until the lock is stale is
      // covered by "takes over a stale lock"; here the dead holder's lock is removed at once.
      rmSync(join(root, 'auth.json~lock'), { recursive: true, force: true })
    }
    for (const child of warm) child.process.kill('SIGKILL')
    await Promise.all(warm.map((child) => child.exited))

    // Later writers remove what killed ones left, so at most the last round's files remain: the
    // new value's temporary file and the hard link that becomes the previous stage.
    const leftovers = readdirSync(root).filter((entry) => entry.includes('~tmp-'))
    expect(leftovers.length).toBeLessThanOrEqual(2)
  }, 120_000)
})
