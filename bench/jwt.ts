import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  formatRate,
  bestOf,
  formatCpuRate,
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
  describeVersions,
  type BenchAlgorithm,
  type ContenderId,
} from './jwt-contenders.js'

const ALGORITHMS: readonly BenchAlgorithm[] = ['RS256', 'HS256']
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const IN_FLIGHT = 64

/**
 * The measured rate a comparison uses: one at a time per CPU second (robust against other
 * processes), one at a time per wall second, or many in flight per wall second.
 */
type Measure = 'oneAtATimeCpu' | 'oneAtATime' | 'inFlight'

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
  /** Whether this comparison is shown for context only and is not one of the speed targets. */
  informational?: boolean
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

function rateOf(results: Results, algorithm: BenchAlgorithm, id: ContenderId, measure: Measure) {
  const row = results[algorithm].find((candidate) => candidate.id === id)
  if (row === undefined) throw new Error(`no ${algorithm} result for ${id}`)
  if (measure === 'inFlight') return row.inFlight.opsPerSecond
  if (measure === 'oneAtATime') return row.oneAtATime.opsPerSecond
  return row.oneAtATime.opsPerCpuSecond ?? Number.NaN
}

/**
 * Computes the speed targets of JwtVerifier as ratios of two measured rates: CPU-time rates for
 * the one-at-a-time targets, wall-time rates for the in-flight one.
 */
function evaluateTargets(results: Results): Target[] {
  const ratio = (
    algorithm: BenchAlgorithm,
    measure: Measure,
    id: ContenderId,
    baseline: ContenderId,
  ) => rateOf(results, algorithm, id, measure) / rateOf(results, algorithm, baseline, measure)

  return [
    {
      description: 'RS256 uncached, one at a time: JwtVerifier >= 0.9x raw crypto.verify',
      ratio: ratio('RS256', 'oneAtATimeCpu', 'harmony', 'raw'),
      minimum: 0.9,
    },
    {
      description:
        'RS256 uncached, one at a time: JwtVerifier >= 0.9x raw crypto.verify decoding per call',
      ratio: ratio('RS256', 'oneAtATimeCpu', 'harmony', 'raw-decoding'),
      minimum: 0.9,
      informational: true,
    },
    {
      description: 'RS256 uncached, one at a time: JwtVerifier >= 1.0x fast-jwt',
      ratio: ratio('RS256', 'oneAtATimeCpu', 'harmony', 'fast-jwt'),
      minimum: 1,
    },
    {
      description: `RS256 uncached, ${IN_FLIGHT} in flight: JwtVerifier >= 1.5x fast-jwt`,
      ratio: ratio('RS256', 'inFlight', 'harmony', 'fast-jwt'),
      minimum: 1.5,
    },
    {
      description: 'RS256 cached, one at a time: JwtVerifier >= 1.5x fast-jwt cached',
      ratio: ratio('RS256', 'oneAtATimeCpu', 'harmony-cached', 'fast-jwt-cached'),
      minimum: 1.5,
    },
    {
      description: 'HS256 uncached, one at a time: JwtVerifier >= 1.0x fast-jwt',
      ratio: ratio('HS256', 'oneAtATimeCpu', 'harmony', 'fast-jwt'),
      minimum: 1,
    },
  ]
}

function verdictOf(target: Target): string {
  const verdict = target.ratio >= target.minimum ? 'met' : 'not met'
  return target.informational ? `${verdict} (for context, not a target)` : verdict
}

function formatTable(results: Results, algorithm: BenchAlgorithm): string[] {
  const raw = (measure: Measure) => rateOf(results, algorithm, 'raw', measure)
  const columns = ['one at a time (ops/s)', 'per CPU second', 'vs raw']
  columns.push(`${IN_FLIGHT} in flight (ops/s)`, 'vs raw')
  const lines = [
    `| ${algorithm} | ${columns.join(' | ')} |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of results[algorithm]) {
    const cells = [
      row.label,
      formatRate(row.oneAtATime),
      formatCpuRate(row.oneAtATime),
      formatRatio(row.oneAtATime.opsPerCpuSecond ?? Number.NaN, raw('oneAtATimeCpu')),
      formatRate(row.inFlight),
      formatRatio(row.inFlight.opsPerSecond, raw('inFlight')),
    ]
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
    '- Every case verifies the same token (RS256 with a 2048-bit key, or HS256 with a 256-bit',
    '  secret) with `iss`, `aud` and `exp` checked. Before measuring, each verifier must accept',
    '  that token and reject one with a changed signature.',
    `- Each case runs in ${options.rounds} round(s) of ${seconds} s after a warmup, interleaved`,
    '  with the other cases. The best round is shown, because other processes only ever slow a',
    '  case down.',
    '- "One at a time" awaits each call before the next, measured with tinybench: the rate is',
    '  1 / mean latency, with its 95 % margin of error.',
    '- "Per CPU second" divides the same calls by the CPU time of the whole process, background',
    '  GC threads included. One at a time, every contender runs on the main thread, so this rate',
    '  hardly depends on other processes; the one-at-a-time targets and the "vs raw" column',
    '  beside it use it.',
    `- "${IN_FLIGHT} in flight" keeps ${IN_FLIGHT} calls running and divides completed calls by`,
    '  wall time, as a loaded gateway experiences it.',
    '- "raw" is the signature check alone, on input decoded once: `crypto.verify` (with many in',
    '  flight, its asynchronous form on the libuv threadpool) or `createHmac`. "Decoding per call"',
    '  also turns the token into the signing input and signature bytes on each call, the least',
    '  work any verifier of a token must do. The targets use the stricter "raw".',
    '- The cached cases verify the same token again, so every call after the first is a hit.',
    `- Versions: ${describeVersions(root)}.`,
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
