import { describe, expect, it } from 'vitest'
import { AzureKeyVaultStore } from '../src/index.js'

describe('AzureKeyVaultStore', () => {
  it('reports ERR_NOT_SUPPORTED in this release', () => {
    expect(() => new AzureKeyVaultStore()).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }),
    )
  })
})
