import { redactSecrets } from '../../core/secrets';

/**
 * What an AWS SDK error means for nodegrid, in words an operator can act on:
 * what happened and what to fix, never what happens next (the sink retries
 * later, `audit` asked once and stops: each caller says so itself).
 * Recognised by the error's name/code, never by `$fault`: the SDK classes
 * EC2's RequestLimitExceeded (HTTP 503) as a server fault, yet it is throttling.
 * No SDK import here: this file is read by code that must not load the SDK.
 */
export type Ec2ErrorKind = 'throttled' | 'credentials' | 'permission' | 'not-found' | 'invalid' | 'unreachable' | 'server';

export interface Ec2ErrorDescription {
  readonly kind: Ec2ErrorKind;
  readonly code: string;
  readonly message: string;
  /** Retrying the same request cannot help (a malformed id, a bad parameter). */
  readonly permanent: boolean;
}

const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException', 'SlowDown']);
const CREDENTIALS = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'CredentialsProviderError',
  'OptInRequired',
]);
const NOT_FOUND = /^Invalid(?:Instance|Resource)ID\.(?:NotFound|Malformed)$/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'TimeoutError', 'AbortError', 'RequestTimeout']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number | undefined } | undefined;
}

export function errorCode(error: unknown): string {
  const shape = (error ?? {}) as SdkErrorShape;
  for (const candidate of [shape.Code, shape.code, shape.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'Error';
}

/** Which AWS service answered, for the message: EC2 itself, or Auto Scaling (the same Query protocol and error codes). */
export interface AwsService {
  readonly prefix: string;
  readonly name: string;
}

export const EC2_SERVICE: AwsService = { prefix: 'ec2', name: 'EC2' };
export const AUTOSCALING_SERVICE: AwsService = { prefix: 'autoscaling', name: 'Auto Scaling' };

/** `action` names the call ("CreateTags on i-0abc…"), `where` the endpoint or region. */
export function describeEc2Error(error: unknown, action: string, where: string, service: AwsService = EC2_SERVICE): Ec2ErrorDescription {
  const { name } = service;
  const shape = (error ?? {}) as SdkErrorShape;
  const code = errorCode(error);
  const status = shape.$metadata?.httpStatusCode;
  // Server messages can be long (encoded authorization messages) and must never carry a secret.
  const detail = redactSecrets((typeof shape.message === 'string' ? shape.message : '').split('\n')[0]!.slice(0, 200));
  const said = detail ? `: ${detail}` : '';
  const describe = (kind: Ec2ErrorKind, message: string, permanent = false): Ec2ErrorDescription => ({ kind, code, message: `${service.prefix}: ${message}`, permanent });

  if (THROTTLING.has(code)) return describe('throttled', `${action} was throttled by ${name} (${code})`);
  if (code === 'CredentialsProviderError') {
    return describe('credentials', `${action}: no AWS credentials found (environment, shared config/profile, instance role)${said}; give this machine an instance role, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  if (CREDENTIALS.has(code)) {
    return describe('credentials', `${action}: ${name} refused the AWS credentials (${code}${status ? `, HTTP ${status}` : ''})${said}; check the access key or instance role`);
  }
  if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException') {
    return describe('permission', `${action}: the AWS credentials are not allowed to do this (${code}); grant it in the IAM policy`);
  }
  if (NOT_FOUND.test(code)) return describe('not-found', `${action}: ${code} in ${where}${said}`, true);
  if (NETWORK.has(code)) return describe('unreachable', `${action}: cannot reach ${name} at ${where} (${code}${said})`);
  if (status !== undefined && status >= 500) return describe('server', `${action}: ${name} failed (${code}, HTTP ${status})${said}`);
  if (status !== undefined && status >= 400) return describe('invalid', `${action}: ${name} rejected the request (${code}, HTTP ${status})${said}`, true);
  return describe('unreachable', `${action}: ${code}${said}`);
}
