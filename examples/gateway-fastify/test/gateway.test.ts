import { resolve } from 'node:path'
import { describeGatewayBehaviour } from '../../gateway-node/test/gateway-suite.js'

describeGatewayBehaviour('gateway-fastify', resolve(import.meta.dirname, '..', 'src', 'main.ts'))
