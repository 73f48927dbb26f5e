import { cpus, loadavg } from 'node:os'
import { Bench } from 'tinybench'

/** A measured rate: operations per second of wall time, and for one-at-a-time runs more. */
export interface Rate {
  opsPerSecond: number
  /** Relative margin of error of the mean latency at 95 % confidence, in percent. */
  marginPercent?: number
  /**
   * Operations per second of CPU time used by this process (user plus system). One at a time,
   * everything runs on the main thread, so this rate hardly depends on other processes.
   */
  opsPerCpuSecond?: number
}

/** An operation under test: it may return a value or a promise of one. */
export type Operation = () => unknown

/** Options every suite receives from `bench/run.ts`. */
export interface SuiteOptions {
  /** Total measuring time per case, in milliseconds, split over the rounds. */
  timeMs: number
  /** Number of interleaved rounds per case; the best round counts. */
  rounds: number
}

/**
 * Returns the fastest wall-time rate with the fastest CPU-time rate. Other processes on the machine
 * can only slow a case down, so the best of several interleaved rounds is the estimate least
 * distorted by them.
 */
export function bestOf(rates: readonly Rate[]): Rate {
  const best = rates.reduce((fastest, rate) =>
    rate.opsPerSecond > fastest.opsPerSecond ? rate : fastest,
  )
  const cpuRates = rates.flatMap((rate) => rate.opsPerCpuSecond ?? [])
  return cpuRates.length === 0 ? best : { ...best, opsPerCpuSecond: Math.max(...cpuRates) }
}

/** The output of a suite: text for the terminal and a Markdown section for docs/benchmarks.md. */
export interface SuiteReport {
  console: string
  markdown: string
}

/** A benchmark suite that `bench/run.ts` can run. */
export interface Suite {
  /** Short name, used on the command line and in the section markers of docs/benchmarks.md. */
  name: string
  run(options: SuiteOptions): Promise<SuiteReport>
}

/**
 * Measures `operation` called one at a time with tinybench: a promise is awaited before the next
 * call, a plain value is not. The wall-time rate is `1000 / mean latency in ms`. The CPU-time rate
 * divides the measured calls by the CPU time of the run, without the warmup.
 */
export async function measureOneAtATime(operation: Operation, timeMs: number): Promise<Rate> {
  await runWorkers(operation, 1, timeMs / 5)
  const bench = new Bench({ time: timeMs, warmup: false, throws: true })
  bench.add('case', operation)

  const before = process.cpuUsage()
  await bench.run()
  const used = process.cpuUsage(before)

  const task = bench.tasks[0]!
  const result = task.result
  if (result.state !== 'completed') throw new Error(`benchmark case ended as ${result.state}`)
  const cpuSeconds = (used.user + used.system) / 1e6
  return {
    opsPerSecond: 1000 / result.period,
    marginPercent: result.latency.rme,
    opsPerCpuSecond: task.runs / cpuSeconds,
  }
}

/**
 * Measures `operation` with `concurrency` calls in flight: that many workers each start the next
 * call as soon as their last one settles. The rate is completed calls divided by wall time, as a
 * loaded gateway experiences it. The first fifth of the time is a warmup and is not counted.
 */
export async function measureInFlight(
  operation: Operation,
  concurrency: number,
  timeMs: number,
): Promise<Rate> {
  await runWorkers(operation, concurrency, timeMs / 5)
  const started = performance.now()
  const completed = await runWorkers(operation, concurrency, timeMs)
  return { opsPerSecond: (completed * 1000) / (performance.now() - started) }
}

async function runWorkers(operation: Operation, concurrency: number, timeMs: number) {
  const deadline = performance.now() + timeMs
  let completed = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await operation()
      completed += 1
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return completed
}

/** Describes the machine a run measured, with its load before the run, for the report. */
export function describeEnvironment(): string {
  const processors = cpus()
  const model = processors[0]?.model.trim() ?? 'unknown CPU'
  const platform = `${process.platform}/${process.arch}`
  const load = loadavg()[0]!.toFixed(1)
  const cores = `${processors.length} logical cores`
  const start = `1-minute load average ${load} at the start`
  return `Node.js ${process.version} on ${platform}, ${model}, ${cores}, ${start}`
}

/**
 * Returns a warning when other processes kept the machine busy before the run, because they
 * distort every rate, the multi-core ones most. The threshold is half the logical cores.
 */
export function busyMachineWarning(): string | undefined {
  const load = loadavg()[0]!
  const cores = cpus().length
  if (load <= cores / 2) return undefined
  return [
    `The 1-minute load average was ${load.toFixed(1)} on ${cores} logical cores before the run.`,
    'Other processes competed for the CPU, so these numbers are not reliable.',
    'Rerun on an idle machine.',
  ].join(' ')
}

/** Formats a rate as thousands of operations per second with its margin of error. */
export function formatRate(rate: Rate): string {
  const thousands = (rate.opsPerSecond / 1000).toFixed(1)
  return rate.marginPercent === undefined
    ? `${thousands}k`
    : `${thousands}k ±${rate.marginPercent.toFixed(1)}%`
}

/** Formats a CPU-time rate as thousands of operations per CPU second. */
export function formatCpuRate(rate: Rate): string {
  return rate.opsPerCpuSecond === undefined ? '-' : `${(rate.opsPerCpuSecond / 1000).toFixed(1)}k`
}

/** Formats `value / baseline` as a ratio such as `0.93x`. */
export function formatRatio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`
}
