// Runs the benchmark suites and writes their sections of docs/benchmarks.md.
//
//   npm run bench                    builds the packages, then runs every suite
//   npx tsx bench/run.ts jwt         runs one suite on the existing builds
//   npx tsx bench/run.ts --time 500  measures each case for 500 ms in all instead of 1500 ms
//   npx tsx bench/run.ts --rounds 5  splits that time over 5 interleaved rounds instead of 3
//   npx tsx bench/run.ts --no-write  prints the results without changing the doc
//
// The suites import the built packages (dist/), as a gateway would, so build before running.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { busyMachineWarning, describeEnvironment, type Suite } from './harness.js'
import { writeSection } from './report.js'

// A new suite adds one line here: its name and a loader of its module.
const SUITES: Record<string, () => Promise<Suite>> = {
  jwt: async () => (await import('./jwt.js')).jwtSuite,
  rotation: async () => (await import('./rotation.js')).rotationSuite,
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_TIME_MS = 1500
const DEFAULT_ROUNDS = 3

function parseCommandLine() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      time: { type: 'string' },
      rounds: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  })
  const timeMs = values.time === undefined ? DEFAULT_TIME_MS : Number(values.time)
  if (!Number.isFinite(timeMs) || timeMs < 50) {
    throw new RangeError('--time must be a number of milliseconds, at least 50')
  }
  const rounds = values.rounds === undefined ? DEFAULT_ROUNDS : Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1 || timeMs / rounds < 50) {
    throw new RangeError('--rounds must be a whole number >= 1 that leaves 50 ms per round')
  }
  const unknown = positionals.filter((name) => !Object.hasOwn(SUITES, name))
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown suite ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`,
    )
  }
  const names = positionals.length > 0 ? positionals : Object.keys(SUITES)
  return { names, timeMs, rounds, write: !values['no-write'] }
}

async function main(): Promise<void> {
  const { names, timeMs, rounds, write } = parseCommandLine()
  if (!existsSync(join(root, 'packages/core/dist/index.js'))) {
    console.error('bench: the packages are not built; run `npm run build` first')
    process.exitCode = 1
    return
  }

  const environment = describeEnvironment()
  const warning = busyMachineWarning()
  if (warning !== undefined) console.warn(`bench: ${warning}`)
  const args = process.argv.slice(2).join(' ')
  const viaNpm = process.env.npm_lifecycle_event === 'bench'
  const command = viaNpm
    ? `npm run bench${args ? ` -- ${args}` : ''}`
    : `npx tsx bench/run.ts ${args}`
  console.log(`bench: ${environment}`)
  for (const name of names) {
    const suite = await SUITES[name]!()
    console.log(`bench: running ${name}, ${timeMs} ms per case in ${rounds} round(s)`)
    const started = performance.now()
    const report = await suite.run({ timeMs, rounds })
    const seconds = ((performance.now() - started) / 1000).toFixed(0)
    console.log(`${report.console}\nbench: ${name} took ${seconds} s`)
    if (write)
      writeSection(join(root, 'docs/benchmarks.md'), name, report.markdown, {
        environment,
        command: command.trim(),
        ...(warning === undefined ? {} : { warning }),
      })
  }
  if (write) console.log('bench: wrote docs/benchmarks.md')
}

await main()
