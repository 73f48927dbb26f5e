import { homedir } from 'node:os'
import { join } from 'node:path'

/** The settings of one rotation run, read from the environment. */
export interface RotateConfig {
  /** Store kind, for example `filesystem`. */
  secretStore: string
  instanceId: string
  /** Folder that contains `.runbeam/<instanceId>/`. */
  homeDir: string
  tokenNames: string[]
  /** Recovery recipients of the backup, or `false` when the backup is turned off. */
  backup: { to: string; recipients: string[] } | false
  dryRun: boolean
  /** Removes the previous key after the rotation, once no entry needs it. */
  retirePrevious: boolean
  logLevel: string
}

type Environment = Record<string, string | undefined>

/**
 * Reads the rotation settings. A backup is required unless `BACKUP=off` turns it off, so a
 * rotation never runs without one by accident.
 *
 * @throws Error naming the variable when a value is missing or invalid.
 */
export function readConfig(env: Environment = process.env, now = new Date()): RotateConfig {
  const homeDir = nonEmpty(env.HARMONY_HOME_DIR) ?? homedir()
  const instanceId = nonEmpty(env.INSTANCE_ID) ?? 'harmony-gateway'
  return {
    secretStore: nonEmpty(env.SECRET_STORE) ?? 'filesystem',
    instanceId,
    homeDir,
    tokenNames: list(env.TOKEN_NAMES, ['auth.json']),
    backup: readBackup(env, join(homeDir, '.runbeam', 'backups'), instanceId, now),
    dryRun: flag('DRY_RUN', env.DRY_RUN),
    retirePrevious: flag('RETIRE_PREVIOUS', env.RETIRE_PREVIOUS),
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
  }
}

function readBackup(env: Environment, defaultDir: string, instanceId: string, now: Date) {
  if (env.BACKUP?.trim() === 'off') return false
  const recipients = list(env.BACKUP_RECIPIENTS, [])
  if (recipients.length === 0) {
    throw new Error(
      'BACKUP_RECIPIENTS is missing: set the age1… recovery recipients of the backup, comma separated, or BACKUP=off',
    )
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const to = nonEmpty(env.BACKUP_PATH) ?? join(defaultDir, `${instanceId}-${stamp}.age`)
  return { to, recipients }
}

function nonEmpty(text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function list(text: string | undefined, fallback: string[]): string[] {
  const items = (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  return items.length > 0 ? items : fallback
}

function flag(name: string, text: string | undefined): boolean {
  const value = nonEmpty(text) ?? 'false'
  if (value !== 'true' && value !== 'false') {
    throw new Error(`${name} must be true or false, got ${JSON.stringify(text)}`)
  }
  return value === 'true'
}
