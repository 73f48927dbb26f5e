import { registerStore } from './registry.js'

/** Registers the stores of this build. Each adapter is imported only when it is used. */
export function registerBuiltinStores(): void {
  registerStore({
    name: 'filesystem',
    description: 'files under ~/.runbeam/<instance id> or --root (mode 0600)',
    load: async () => (await import('./filesystem.js')).filesystemDriver,
  })
  registerStore({ name: 'aws', description: 'AWS Secrets Manager (@harmony-auth/aws)' })
  registerStore({ name: 'azure', description: 'Azure Key Vault (@harmony-auth/azure)' })
  registerStore({ name: 'vault', description: 'HashiCorp Vault KV v2 (@harmony-auth/vault)' })
}
