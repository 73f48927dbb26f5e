// Runs the benchmark suites and writes their sections of docs/benchmarks.md.
//
//   npm run bench                    builds the packages, then runs every suite
//   npx tsx bench/run.ts jwt         runs one suite on the existing builds
//   npx tsx bench/run.ts --time 500  measures each case for 500 ms instead of 1500 ms
//   npx tsx bench/run.ts --no-write  prints the results without changing the doc
//
// The suites import the built packages (dist/), as a gateway would, so build before running.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { describeEnvironment, type Suite } from './harness.js'
import { writeSection } from './report.js'

// A new suite adds one line here: its name and a loader of its module.
const SUITES: Record<string, () => Promise<Suite>> = {
  jwt: async () => (await import('./jwt.js')).jwtSuite,
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_TIME_MS = 1500

function parseCommandLine() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { time: { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
  })
  const timeMs = values.time === undefined ? DEFAULT_TIME_MS : Number(values.time)
  if (!Number.isFinite(timeMs) || timeMs < 50) {
    throw new RangeError('--time must be a number of milliseconds, at least 50')
  }
  const unknown = positionals.filter((name) => !Object.hasOwn(SUITES, name))
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown suite ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`,
    )
  }
  const names = positionals.length > 0 ? positionals : Object.keys(SUITES)
  return { names, timeMs, write: !values['no-write'] }
}

async function main(): Promise<void> {
  const { names, timeMs, write } = parseCommandLine()
  if (!existsSync(join(root, 'packages/core/dist/index.js'))) {
    console.error('bench: the packages are not built; run `npm run build` first')
    process.exitCode = 1
    return
  }

  const environment = describeEnvironment()
  const args = process.argv.slice(2).join(' ')
  const viaNpm = process.env.npm_lifecycle_event === 'bench'
  const command = viaNpm
    ? `npm run bench${args ? ` -- ${args}` : ''}`
    : `npx tsx bench/run.ts ${args}`
  console.log(`bench: ${environment}`)
  for (const name of names) {
    const suite = await SUITES[name]!()
    console.log(`bench: running ${name}, ${timeMs} ms per case`)
    const started = performance.now()
    const report = await suite.run({ timeMs })
    const seconds = ((performance.now() - started) / 1000).toFixed(0)
    console.log(`${report.console}\nbench: ${name} took ${seconds} s`)
    if (write)
      writeSection(join(root, 'docs/benchmarks.md'), name, report.markdown, {
        environment,
        command: command.trim(),
      })
  }
  if (write) console.log('bench: wrote docs/benchmarks.md')
}

await main()
