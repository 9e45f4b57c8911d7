export { createEmailAdapter } from './adapter';
export { emailLabel, emailSecrets, type EmailDestination, type EmailTls } from './destination';
