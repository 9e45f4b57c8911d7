import * as z from 'zod/mini';

const REGION_RULE = 'an AWS region such as us-west-2';
const awsRegion = z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, REGION_RULE)).register(z.globalRegistry, { rules: [REGION_RULE] });
const AWS_PREFIX_RULE = 'the aws: prefix is reserved by AWS';

export const ec2Section = z._default(
  z.strictObject({
    enabled: z._default(z.boolean(), false).register(z.globalRegistry, { description: 'Off EC2 nothing is asked.' }),
    region: z.optional(awsRegion).register(z.globalRegistry, { description: 'Default: the standard AWS config, then instance metadata.' }),
    tagPrefix: z._default(
      z.string().check(
        z.minLength(1),
        z.maxLength(64),
        z.refine((prefix: string) => !prefix.toLowerCase().startsWith('aws:'), AWS_PREFIX_RULE),
      ).register(z.globalRegistry, { rules: [AWS_PREFIX_RULE] }),
      'add:',
    ).register(z.globalRegistry, { description: 'Prefix of the tags nodegrid writes (`add:state`, `add:statelog`, …).' }),
  }),
  { enabled: false, tagPrefix: 'add:' },
);
