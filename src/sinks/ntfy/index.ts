export { createNtfyAdapter } from './adapter';
export { ntfySecrets, type NtfyDestination } from './destination';
