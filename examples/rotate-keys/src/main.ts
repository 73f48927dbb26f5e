import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { KeyRotator, type EncryptionKeyRotationReport } from '@harmony-auth/core'
import { pino } from 'pino'
import { readConfig } from './config.js'
import { openRotationStores } from './stores.js'

// Logs go to stderr, so stdout carries only the summary.
const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2))

async function main(): Promise<void> {
  const config = readConfig()
  const stores = openRotationStores(config.secretStore, {
    instanceId: config.instanceId,
    homeDir: config.homeDir,
    tokenNames: config.tokenNames,
    env: process.env,
    logger,
  })
  const rotator = new KeyRotator({ key: stores.key, targets: stores.targets, logger })

  const status = await rotator.status()
  let report: EncryptionKeyRotationReport
  if (status.inProgress) {
    logger.warn('an earlier rotation did not finish: resuming it')
    report = await rotator.resume()
  } else {
    if (config.backup) await mkdir(dirname(config.backup.to), { recursive: true, mode: 0o700 })
    report = await rotator.rotateEncryptionKey({ dryRun: config.dryRun, backup: config.backup })
  }
  printReport(stores.description, report)

  if (config.retirePrevious && !report.dryRun) {
    const retired = await rotator.retirePreviousKey()
    console.log(`retired previous key: ${retired.retiredRecipient ?? 'none'}`)
    if (retired.manualStep !== undefined) console.log(`still to do: ${retired.manualStep}`)
  }
}

function printReport(keyLocation: string, report: EncryptionKeyRotationReport): void {
  const verb = report.dryRun ? 'checked (dry run, nothing written)' : 'rotated'
  console.log(`key: ${keyLocation}`)
  console.log(
    `${verb} ${count(report.entries.length, 'entry', 'entries')} in ${report.durationMs} ms${report.resumed ? ' (resumed)' : ''}`,
  )
  console.log(`previous recipient: ${report.previousRecipient}`)
  if (report.recipient !== undefined) console.log(`new recipient: ${report.recipient}`)
  if (report.backup !== undefined) console.log(`backup: ${report.backup}`)
  if (report.missing.length > 0) console.log(`skipped, not found: ${report.missing.join(', ')}`)
}

function count(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`
}

main().catch((error: unknown) => {
  // SDK errors carry a stable code and a message without key material.
  logger.fatal({ err: error }, 'rotation failed')
  process.exitCode = 1
})
