import { describe, expect, it } from 'vitest'
import { readConfig } from '../src/config.js'

const now = new Date('2026-03-01T10:20:30.456Z')

describe('readConfig', () => {
  it('requires backup recipients', () => {
    expect(() => readConfig({}, now)).toThrow(/BACKUP_RECIPIENTS/)
  })

  it('turns the backup off with BACKUP=off', () => {
    expect(readConfig({ BACKUP: 'off' }, now).backup).toBe(false)
  })

  it('derives the backup path from the instance and time', () => {
    const config = readConfig(
      {
        BACKUP_RECIPIENTS: 'age1one, age1two',
        HARMONY_HOME_DIR: '/home/gw',
        INSTANCE_ID: 'edge-1',
      },
      now,
    )
    expect(config.backup).toEqual({
      to: '/home/gw/.runbeam/backups/edge-1-2026-03-01T10-20-30-456Z.age',
      recipients: ['age1one', 'age1two'],
    })
  })

  it('applies the defaults', () => {
    const config = readConfig({ BACKUP: 'off', HARMONY_HOME_DIR: '/home/gw' }, now)
    expect(config.secretStore).toBe('filesystem')
    expect(config.instanceId).toBe('harmony-gateway')
    expect(config.tokenNames).toEqual(['auth.json'])
    expect(config.dryRun).toBe(false)
    expect(config.retirePrevious).toBe(false)
  })

  it.each(['yes', '1'])('rejects DRY_RUN %s', (value) => {
    expect(() => readConfig({ BACKUP: 'off', DRY_RUN: value }, now)).toThrow(/DRY_RUN/)
  })
})
