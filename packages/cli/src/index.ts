export { run } from './run.js'
export { createProgram } from './program.js'
export { CliError, EXIT_CODES, exitCodeFor } from './exit-codes.js'
export type { ExitCode } from './exit-codes.js'
export type { CliIo } from './io.js'
export { registerStore, storeRegistrations } from './stores/registry.js'
export type {
  OpenedStore,
  StoreDriver,
  StoreRegistration,
  StoreSettings,
} from './stores/registry.js'
