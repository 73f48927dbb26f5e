export { startCloudEmulator } from './cloud-emulator.js'
export type {
  CloudEmulator,
  CloudEmulatorOptions,
  CloudFault,
  EmulatedGateway,
  IssuedToken,
  RecordedRequest,
} from './cloud-emulator-types.js'
