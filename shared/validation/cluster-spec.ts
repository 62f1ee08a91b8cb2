import { z } from 'zod';
import { CONTROL_PLANE_LOG_TYPES, type ClusterSpec, DEFAULT_CONTROL_PLANE_LOGS } from '../domain/cluster';
import { parseWith } from './parse';

/** EKS: 1–100 characters, starts alphanumeric, then letters, digits, hyphens and underscores. */
export const eksNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[0-9A-Za-z][A-Za-z0-9_-]*$/,
    'must start with a letter or digit and contain only letters, digits, hyphens and underscores',
  );

/** Kubernetes names of namespaces and most objects (RFC 1123 label). */
export const dnsLabelSchema = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 label (a-z, 0-9, "-")');

/** IPv4 CIDR block, e.g. 203.0.113.0/24 (what EKS takes in publicAccessCidrs). */
const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;
/** EKS allows at most this many public access CIDR blocks. */
const MAX_PUBLIC_ACCESS_CIDRS = 40;

const clusterSpecSchema = z
  .object({
    name: eksNameSchema,
    version: z
      .string()
      .regex(/^\d+\.\d+$/, 'must look like "1.31"')
      .optional(),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'),
    subnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-z]+$/, 'must be a subnet ID'))
      .min(2, 'needs at least two subnets (in two Availability Zones) for a highly available control plane')
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a subnet'),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-z]+$/, 'must be a security group ID')).default([]),
    // Private by default: a public endpoint is opted into, and then only for the networks named.
    endpointPublicAccess: z.boolean().default(false),
    publicAccessCidrs: z
      .array(z.string().regex(IPV4_CIDR, 'must be an IPv4 CIDR block such as 203.0.113.0/24'))
      .max(MAX_PUBLIC_ACCESS_CIDRS, `at most ${MAX_PUBLIC_ACCESS_CIDRS} CIDR blocks`)
      .default([]),
    endpointPrivateAccess: z
      .literal(true, { error: 'must be true: nodes and in-VPC clients reach the API server privately' })
      .default(true),
    logging: z
      .array(z.enum(CONTROL_PLANE_LOG_TYPES, { error: `must be one of ${CONTROL_PLANE_LOG_TYPES.join(', ')}` }))
      .refine((types) => new Set(types).size === types.length, 'must not repeat a log type')
      .default(() => [...DEFAULT_CONTROL_PLANE_LOGS]),
    kmsKeyArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, 'must be a KMS key or alias ARN')
      .optional(),
    namespaces: z.array(dnsLabelSchema).max(50, 'at most 50 namespaces').default([]),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // EKS opens a public endpoint to 0.0.0.0/0 when no CIDR is given: never let that happen by omission.
    if (spec.endpointPublicAccess && spec.publicAccessCidrs.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['publicAccessCidrs'],
        message: 'is required when endpointPublicAccess is true: name the networks that may reach the public endpoint',
      });
    }
    if (!spec.endpointPublicAccess && spec.publicAccessCidrs.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['publicAccessCidrs'],
        message: 'applies only to a public endpoint: set endpointPublicAccess to true, or leave it out',
      });
    }
  });

/** Validates a provisioning request after filling in the deployment's defaults (role, subnets). */
export function parseClusterSpec(
  body: unknown,
  defaults: { roleArn?: string; subnetIds?: string[] } = {},
): ClusterSpec {
  const withDefaults = isPlainObject(body) ? { ...definedOnly(defaults), ...body } : body;
  return parseWith(clusterSpecSchema, withDefaults, 'cluster spec');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
