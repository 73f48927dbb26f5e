import type { RotationProgress } from '@harmony-auth/core'
import type { CliIo } from './io.js'

const BAR_WIDTH = 24

/**
 * Returns an `onProgress` callback that reports on stderr: a bar redrawn in place on a terminal,
 * otherwise one plain line per phase at about every 10 %, so logs stay short for 1,000 entries.
 */
export function progressReporter(
  io: CliIo,
  enabled: boolean,
): (progress: RotationProgress) => void {
  if (!enabled) return () => undefined
  const tty = io.stderr.isTTY === true
  let lastPhase = ''
  let lastTenth = -1
  return (progress) => {
    const { phase, done, total } = progress
    if (tty) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH)
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`
      io.stderr.write(`\r${phase.padEnd(10)} [${bar}] ${done}/${total}`)
      if (done === total) io.stderr.write('\n')
      return
    }
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10)
    if (phase === lastPhase && tenth === lastTenth) return
    lastPhase = phase
    lastTenth = tenth
    io.stderr.write(`${phase}: ${done}/${total}\n`)
  }
}
