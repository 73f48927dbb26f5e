import { MemorySecretStore } from '@harmony-auth/testing'
import { describeKeyRotation } from './key-rotation-suite.js'

describeKeyRotation('MemorySecretStore', () => {
  const store = new MemorySecretStore()
  return Promise.resolve({ keyStore: store, tokenStore: store })
})
