export { createOpsgenieAdapter } from './adapter';
export { opsgenieSecrets, type OpsgenieDestination } from './destination';
