import { describe, expect, it } from 'vitest'
import { AwsSecretsManagerStore } from '../src/index.js'

describe('AwsSecretsManagerStore', () => {
  it('reports ERR_NOT_SUPPORTED in this release', () => {
    expect(() => new AwsSecretsManagerStore()).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }),
    )
  })
})
