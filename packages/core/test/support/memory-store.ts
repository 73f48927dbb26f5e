import { MemorySecretStore } from '@harmony-auth/testing'
import type { MemoryStoreOperation } from '@harmony-auth/testing'
import type { Secret } from '../../src/secrets/secret.js'
import type { SecretStore } from '../../src/secrets/secret-store.js'

/** MemorySecretStore typed against core's source, with its test controls. */
export type TestStore = SecretStore & {
  failNext(operation: MemoryStoreOperation, count?: number): void
  putIfAbsent(name: string, value: Secret): Promise<boolean>
}

/**
 * Creates a MemorySecretStore for core's tests. The testing package's declarations refer to
 * core's built types. `Secret` has private fields, so TypeScript treats the built and the source
 * `Secret` as different types, although at run time both are the same source module.
 */
export function memoryStore(): TestStore {
  return new MemorySecretStore() as unknown as TestStore
}
