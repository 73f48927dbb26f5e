/** One numbered step of the demo. */
export interface DemoStep {
  title: string
  run: () => Promise<void>
}

/** An error that a step raises when a response differs from the expected one. */
export class StepFailure extends Error {
  override name = 'StepFailure'
}

/** Throws a {@link StepFailure} with `message` unless `condition` holds. */
export function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message)
}

type Cleanup = () => Promise<void> | void

/**
 * Runs steps in order and keeps a stack of cleanups (child processes, servers) that is unwound on
 * success, on the first failed step and on SIGINT or SIGTERM.
 */
export class DemoRunner {
  readonly #cleanups: { label: string; cleanup: Cleanup }[] = []

  /** Registers `cleanup` to run when the demo ends; the last one registered runs first. */
  defer(label: string, cleanup: Cleanup): void {
    this.#cleanups.push({ label, cleanup })
  }

  /** Runs every step and returns the exit code: 0, or 1 after naming the failed step. */
  async run(steps: readonly DemoStep[]): Promise<number> {
    let onSignal: (signal: NodeJS.Signals) => void = () => undefined
    const interrupted = new Promise<string>((resolve) => (onSignal = resolve))
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)

    let failed: { index: number; error: unknown } | undefined
    for (const [index, step] of steps.entries()) {
      console.log(`\n[${index + 1}/${steps.length}] ${step.title}`)
      const running = step.run().then(
        () => undefined,
        (error: unknown) => ({ error }),
      )
      const outcome = await Promise.race([
        running,
        interrupted.then((signal) => ({ error: new StepFailure(`interrupted by ${signal}`) })),
      ])
      if (outcome !== undefined) {
        // An interrupted step may still be starting a server; let it finish so that its cleanup
        // is registered before the cleanups run.
        await running
        failed = { index, error: outcome.error }
        break
      }
      console.log('  ok')
    }

    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    console.log('\nstopping')
    await this.cleanUp()
    if (failed === undefined) {
      console.log(`\ndemo passed: ${steps.length} steps`)
      return 0
    }
    const title = steps[failed.index]?.title ?? ''
    console.error(`\ndemo failed at step ${failed.index + 1} (${title}): ${describe(failed.error)}`)
    return 1
  }

  /** Runs the registered cleanups, newest first; a failing cleanup does not stop the others. */
  async cleanUp(): Promise<void> {
    while (this.#cleanups.length > 0) {
      const { label, cleanup } = this.#cleanups.pop()!
      try {
        await cleanup()
        console.log(`  stopped ${label}`)
      } catch (error) {
        console.error(`  stopping ${label} failed: ${describe(error)}`)
      }
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof StepFailure) return error.message
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? `${error.name} ${code}: ${error.message}` : error.message
  }
  return String(error)
}
