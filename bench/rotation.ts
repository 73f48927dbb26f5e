// Rotation throughput: re-encrypting 1,000 tokens of a filesystem store to a new key.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EncryptionKeyRing, KeyRotator } from '@harmony-auth/core'
import { FilesystemSecretStore } from '@harmony-auth/filesystem'
import type { Suite, SuiteOptions, SuiteReport } from './harness.js'

const TOKENS = 1000
const CONCURRENCIES = [1, 16] as const
// A rotation of 1,000 tokens takes seconds, so each concurrency runs at most this many times.
const MAX_ROUNDS = 2

interface Measurement {
  concurrency: number
  seconds: number
  tokensPerSecond: number
}

async function seed(store: FilesystemSecretStore, names: readonly string[]): Promise<void> {
  const ring = await EncryptionKeyRing.generate()
  await store.put('encryption.key', ring.toKeyFile())
  const plaintext = new TextEncoder().encode(
    JSON.stringify({
      machine_token: 'benchmark-token',
      expires_at: '2099-01-01T00:00:00Z',
      gateway_id: 'gw',
      gateway_code: 'gw',
      abilities: [],
      issued_at: '2026-01-01T00:00:00Z',
    }),
  )
  for (let start = 0; start < names.length; start += 50) {
    await Promise.all(
      names
        .slice(start, start + 50)
        .map(async (name) => store.put(name, await ring.encrypt(plaintext))),
    )
  }
}

async function rotateOnce(rotator: KeyRotator, concurrency: number): Promise<Measurement> {
  const report = await rotator.rotateEncryptionKey({ backup: false, concurrency })
  if (report.entries.length !== TOKENS) {
    throw new Error(`rotated ${report.entries.length} tokens instead of ${TOKENS}`)
  }
  const seconds = report.durationMs / 1000
  return { concurrency, seconds, tokensPerSecond: TOKENS / seconds }
}

function render(best: readonly Measurement[]): SuiteReport {
  const rows = best.map(
    (m) => `| ${m.concurrency} | ${m.tokensPerSecond.toFixed(0)} | ${m.seconds.toFixed(2)} |`,
  )
  const markdown = [
    `Rotation of ${TOKENS.toLocaleString('en-US')} tokens on a FilesystemSecretStore in a temporary`,
    'folder: check, re-encrypt, promote and verify, with the journal and fsync of every write.',
    'The best of the runs per concurrency counts.',
    '',
    '| Concurrency | Tokens per second | Seconds |',
    '| ---: | ---: | ---: |',
    ...rows,
  ].join('\n')
  const consoleText = best
    .map(
      (m) =>
        `rotation: concurrency ${m.concurrency}: ${m.tokensPerSecond.toFixed(0)} tokens/s (${m.seconds.toFixed(2)} s)`,
    )
    .join('\n')
  return { console: consoleText, markdown }
}

/** Rotates 1,000 filesystem tokens at concurrency 1 and 16 and reports tokens per second. */
export const rotationSuite: Suite = {
  name: 'rotation',
  async run(options: SuiteOptions): Promise<SuiteReport> {
    const root = await mkdtemp(join(tmpdir(), 'harmony-bench-rotation-'))
    try {
      const store = new FilesystemSecretStore({ root })
      const names = Array.from({ length: TOKENS }, (_, i) => `token-${String(i).padStart(4, '0')}`)
      await seed(store, names)
      const rotator = new KeyRotator({ key: { store }, targets: [{ store, names }] })
      const results: Measurement[] = []
      for (let round = 0; round < Math.min(options.rounds, MAX_ROUNDS); round++) {
        for (const concurrency of CONCURRENCIES)
          results.push(await rotateOnce(rotator, concurrency))
      }
      const best = CONCURRENCIES.map((concurrency) =>
        results
          .filter((m) => m.concurrency === concurrency)
          .reduce((a, b) => (a.tokensPerSecond >= b.tokensPerSecond ? a : b)),
      )
      return render(best)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  },
}
