import * as z from 'zod/mini';

export const ec2Section = z._default(
  z.strictObject({
    /** Off EC2 nothing is asked. */
    enabled: z._default(z.boolean(), false),
    /** Default: the standard AWS config, then instance metadata. */
    region: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, 'an AWS region such as us-west-2'))),
    tagPrefix: z._default(
      z.string().check(
        z.minLength(1),
        z.maxLength(64),
        z.refine((prefix: string) => !prefix.toLowerCase().startsWith('aws:'), 'the aws: prefix is reserved by AWS'),
      ),
      'add:',
    ),
  }),
  { enabled: false, tagPrefix: 'add:' },
);
