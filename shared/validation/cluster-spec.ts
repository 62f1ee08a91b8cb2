import { z } from 'zod';
import type { ClusterSpec } from '../domain/cluster';
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
    endpointPublicAccess: z.boolean().default(true),
    endpointPrivateAccess: z.boolean().default(true),
    namespaces: z.array(dnsLabelSchema).max(50, 'at most 50 namespaces').default([]),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  })
  .strict();

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
