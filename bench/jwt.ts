import {
  formatRate,
  bestOf,
  formatRatio,
  measureInFlight,
  measureOneAtATime,
  type Rate,
  type Suite,
  type SuiteOptions,
  type SuiteReport,
} from './harness.js'
import {
  checkContender,
  createContenders,
  createFixture,
  type BenchAlgorithm,
  type ContenderId,
} from './jwt-contenders.js'

const ALGORITHMS: readonly BenchAlgorithm[] = ['RS256', 'HS256']
const IN_FLIGHT = 64

type Mode = 'oneAtATime' | 'inFlight'

interface Row {
  id: ContenderId
  label: string
  oneAtATime: Rate
  inFlight: Rate
}

type Results = Record<BenchAlgorithm, Row[]>

interface Target {
  description: string
  ratio: number
  minimum: number
}

async function measureAlgorithm(algorithm: BenchAlgorithm, options: SuiteOptions): Promise<Row[]> {
  const fixture = await createFixture(algorithm)
  const contenders = await createContenders(fixture)
  for (const contender of contenders) await checkContender(contender, fixture)

  // Rounds run every contender in turn, so a burst of load elsewhere hits different contenders.
  const roundMs = options.timeMs / options.rounds
  const single: Rate[][] = contenders.map(() => [])
  const loaded: Rate[][] = contenders.map(() => [])
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const [index, contender] of contenders.entries()) {
      single[index]!.push(await measureOneAtATime(contender.oneAtATime, roundMs))
      loaded[index]!.push(await measureInFlight(contender.inFlight, IN_FLIGHT, roundMs))
    }
    process.stderr.write(`  ${algorithm}: round ${round} of ${options.rounds} done\n`)
  }

  return contenders.map((contender, index) => ({
    id: contender.id,
    label: contender.label,
    oneAtATime: bestOf(single[index]!),
    inFlight: bestOf(loaded[index]!),
  }))
}

function rateOf(results: Results, algorithm: BenchAlgorithm, id: ContenderId, mode: Mode) {
  const row = results[algorithm].find((candidate) => candidate.id === id)
  if (row === undefined) throw new Error(`no ${algorithm} result for ${id}`)
  return row[mode].opsPerSecond
}

/** Computes the speed targets of JwtVerifier as ratios of two measured rates. */
function evaluateTargets(results: Results): Target[] {
  const ratio = (algorithm: BenchAlgorithm, mode: Mode, id: ContenderId, baseline: ContenderId) =>
    rateOf(results, algorithm, id, mode) / rateOf(results, algorithm, baseline, mode)

  return [
    {
      description: 'RS256 uncached, one at a time: JwtVerifier >= 0.9x raw crypto.verify',
      ratio: ratio('RS256', 'oneAtATime', 'harmony', 'raw'),
      minimum: 0.9,
    },
    {
      description: 'RS256 uncached, one at a time: JwtVerifier >= 1.0x fast-jwt',
      ratio: ratio('RS256', 'oneAtATime', 'harmony', 'fast-jwt'),
      minimum: 1,
    },
    {
      description: `RS256 uncached, ${IN_FLIGHT} in flight: JwtVerifier >= 1.5x fast-jwt`,
      ratio: ratio('RS256', 'inFlight', 'harmony', 'fast-jwt'),
      minimum: 1.5,
    },
    {
      description: 'RS256 cached, one at a time: JwtVerifier >= 1.5x fast-jwt cached',
      ratio: ratio('RS256', 'oneAtATime', 'harmony-cached', 'fast-jwt-cached'),
      minimum: 1.5,
    },
    {
      description: 'HS256 uncached, one at a time: JwtVerifier >= 1.0x fast-jwt',
      ratio: ratio('HS256', 'oneAtATime', 'harmony', 'fast-jwt'),
      minimum: 1,
    },
  ]
}

const verdictOf = (target: Target) => (target.ratio >= target.minimum ? 'met' : 'not met')

function formatTable(results: Results, algorithm: BenchAlgorithm): string[] {
  const raw = (mode: Mode) => rateOf(results, algorithm, 'raw', mode)
  const lines = [
    `| ${algorithm} | one at a time (ops/s) | vs raw | ${IN_FLIGHT} in flight (ops/s) | vs raw |`,
    '| --- | ---: | ---: | ---: | ---: |',
  ]
  for (const row of results[algorithm]) {
    const single = formatRatio(row.oneAtATime.opsPerSecond, raw('oneAtATime'))
    const loaded = formatRatio(row.inFlight.opsPerSecond, raw('inFlight'))
    const cells = [row.label, formatRate(row.oneAtATime), single, formatRate(row.inFlight), loaded]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return lines
}

function formatTargets(targets: readonly Target[]): string[] {
  const lines = ['| Target | Measured | Result |', '| --- | ---: | --- |']
  for (const target of targets) {
    lines.push(`| ${target.description} | ${target.ratio.toFixed(2)}x | ${verdictOf(target)} |`)
  }
  return lines
}

function formatMethod(options: SuiteOptions): string[] {
  const seconds = (options.timeMs / options.rounds / 1000).toFixed(2)
  return [
    `Every case verifies the same token (RS256 with a 2048-bit key, or HS256 with a 256-bit`,
    'secret) with `iss`, `aud` and `exp` checked, after a check that it accepts that token and',
    'rejects one with a changed signature.',
    `Each case runs in ${options.rounds} round(s) of ${seconds} s after a warmup,`,
    'interleaved with the other cases, and the best round is shown, because load from other',
    'processes only ever slows a case down.',
    '"One at a time" uses tinybench (the rate is 1 / mean latency, ± its 95 % margin of error);',
    `"${IN_FLIGHT} in flight" keeps ${IN_FLIGHT} calls running and divides completed calls by wall`,
    'time. "raw" is the signature check alone on input decoded once: `crypto.verify` (with',
    `${IN_FLIGHT} in flight, its asynchronous form on the libuv threadpool) or \`createHmac\`.`,
    'The cached cases verify the same token again, so every call after the first is a cache hit.',
  ]
}

async function run(options: SuiteOptions): Promise<SuiteReport> {
  const results = {} as Results
  for (const algorithm of ALGORITHMS)
    results[algorithm] = await measureAlgorithm(algorithm, options)
  const targets = evaluateTargets(results)

  const tables = ALGORITHMS.flatMap((algorithm) => [...formatTable(results, algorithm), ''])
  const targetLines = formatTargets(targets)
  const markdown = [
    '## JWT verification',
    '',
    ...formatMethod(options),
    '',
    ...tables,
    '### Targets',
    '',
    ...targetLines,
  ].join('\n')
  const consoleText = [...tables, ...targetLines].join('\n')
  return { console: consoleText, markdown }
}

/** Compares JwtVerifier with raw node:crypto, jose, fast-jwt and jsonwebtoken. */
export const jwtSuite: Suite = { name: 'jwt', run }
