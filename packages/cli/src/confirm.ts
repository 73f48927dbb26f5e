import { createInterface } from 'node:readline/promises'
import { CliError, EXIT_CODES } from './exit-codes.js'
import type { CliIo } from './io.js'

/**
 * Asks before a destructive step. `--yes` confirms it for scripts. Without `--yes` the question
 * is asked on the terminal, and without a terminal the command stops, so a script never changes
 * data by accident.
 *
 * @throws CliError `ERR_CLI_NOT_CONFIRMED` (exit 3) when the step is not confirmed.
 */
export async function confirm(io: CliIo, yes: boolean, question: string): Promise<void> {
  if (yes) return
  if (!io.stdin.isTTY || !io.stderr.isTTY) {
    throw new CliError(
      'ERR_CLI_NOT_CONFIRMED',
      `${question} Pass --yes to confirm: there is no terminal to ask on`,
      EXIT_CODES.notConfirmed,
    )
  }
  const prompt = createInterface({ input: io.stdin, output: io.stderr })
  try {
    // Ctrl-C or the end of input closes the prompt and rejects the question: not confirmed.
    const answer = await prompt.question(`${question} Type "yes" to continue: `).catch(() => '')
    if (answer.trim().toLowerCase() === 'yes') return
  } finally {
    prompt.close()
  }
  throw new CliError(
    'ERR_CLI_NOT_CONFIRMED',
    'Not confirmed; nothing was changed',
    EXIT_CODES.notConfirmed,
  )
}
