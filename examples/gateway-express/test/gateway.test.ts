import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnGateway, type GatewayProcess } from '../../demo/src/gateway-process.js'
import {
  createFixture,
  describeGatewayBehaviour,
  type GatewayFixture,
} from '../../gateway-node/test/gateway-suite.js'

const entry = resolve(import.meta.dirname, '..', 'src', 'start.cjs')

describeGatewayBehaviour('gateway-express', entry)

describe('gateway-express module format', () => {
  let fixture: GatewayFixture
  let gateway: GatewayProcess

  beforeAll(async () => {
    fixture = await createFixture('gateway-express-cjs')
    gateway = await spawnGateway({ entry, env: fixture.env() })
  })

  afterAll(async () => {
    await gateway?.stop()
    await fixture?.close()
  })

  it('loads the CommonJS build of core', () => {
    const record = gateway.logs.find((entry) => entry.msg === 'loaded the SDK')
    expect(record?.sdkEntry).toMatch(/packages\/core\/dist\/index\.cjs$/)
  })
})
