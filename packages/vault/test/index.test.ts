import { describe, expect, it } from 'vitest'
import { VaultKvStore } from '../src/index.js'

describe('VaultKvStore', () => {
  it('reports ERR_NOT_SUPPORTED in this release', () => {
    expect(() => new VaultKvStore()).toThrow(expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }))
  })
})
