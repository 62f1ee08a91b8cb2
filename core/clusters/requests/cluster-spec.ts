import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';
import { parseWith } from '../../kernel/parse';
import {
  ACCESS_POLICIES,
  type ClusterSpec,
  CONTROL_PLANE_LOG_TYPES,
  DEFAULT_CONTROL_PLANE_LOGS,
  LATEST_ADDON_VERSION,
  NETWORK_POLICY_PRESETS,
  POD_SECURITY_LEVELS,
  SYSTEM_NAMESPACE,
  TAINT_EFFECTS,
} from '../domain/cluster';

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

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
/** EKS limits: node groups per cluster (quota 30), labels/taints per node group (50). */
const MAX_NODEGROUPS = 30;
const MAX_TAINTS = 50;
/** EKS caps a managed node group at 1000 nodes (default quota 450; the hard API limit is what we check). */
const MAX_NODES = 1000;
const subnetSchema = z.string().regex(/^subnet-[0-9a-z]+$/, 'must be a subnet ID');
/** Kubernetes label keys and values (prefix/name ≤ 63, value ≤ 63). */
const labelKey = z
  .string()
  .regex(/^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a Kubernetes label key');
const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value');
const labelsSchema = z.record(labelKey, labelValue).default({});
/** Kubernetes quantities: "500m", "2", "64Gi". */
const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'must be a Kubernetes quantity such as 500m or 64Gi');

const nodegroupSchema = z
  .object({
    name: eksNameSchema.max(63, 'must be at most 63 characters'),
    instanceTypes: z
      .array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'must be an EC2 instance type such as m6i.large'))
      .min(1, 'needs at least one instance type')
      .max(20, 'at most 20 instance types'),
    capacityType: z.enum(['ON_DEMAND', 'SPOT'], { error: 'must be ON_DEMAND or SPOT' }).default('ON_DEMAND'),
    amiType: z
      .string()
      .regex(/^[A-Z0-9_]+$/, 'must be an EKS AMI type such as AL2023_x86_64_STANDARD')
      .optional(),
    diskSize: z.number().int().min(1).max(16384).optional(),
    minSize: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(MAX_NODES),
    maxSize: z.number().int('must be an integer').min(1, 'must be ≥ 1').max(MAX_NODES),
    desiredSize: z.number().int('must be an integer').min(0, 'must be ≥ 0').max(MAX_NODES),
    labels: labelsSchema,
    taints: z
      .array(
        z
          .object({
            key: labelKey,
            value: labelValue.optional(),
            effect: z.enum(TAINT_EFFECTS as [string, ...string[]], {
              error: `must be one of ${TAINT_EFFECTS.join(', ')}`,
            }),
          })
          .strict(),
      )
      .max(MAX_TAINTS)
      .default([]),
    subnetIds: z.array(subnetSchema).min(1).optional(),
    nodeRoleArn: z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN').optional(),
    maxUnavailable: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .superRefine((ng, ctx) => {
    if (ng.minSize > ng.maxSize) ctx.addIssue({ code: 'custom', path: ['minSize'], message: 'must be ≤ maxSize' });
    if (ng.desiredSize < ng.minSize || ng.desiredSize > ng.maxSize)
      ctx.addIssue({ code: 'custom', path: ['desiredSize'], message: 'must be between minSize and maxSize' });
  });

const addonSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'must be an EKS add-on name such as vpc-cni'),
    version: z
      .string()
      .regex(/^(latest|v\d+\.\d+\.\d+[-.a-z0-9]*)$/, 'must be "latest" or an add-on version such as v1.19.2-eksbuild.1')
      .default(LATEST_ADDON_VERSION),
    configurationValues: z.string().max(8192).refine(isJsonObjectText, 'must be a JSON object as text').optional(),
    resolveConflicts: z.enum(['NONE', 'OVERWRITE', 'PRESERVE']).default('OVERWRITE'),
  })
  .strict();

const accessSchema = z
  .object({
    principalArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/.+$/, 'must be an IAM principal ARN'),
    policy: z.enum(ACCESS_POLICIES, { error: `must be one of ${ACCESS_POLICIES.join(', ')}` }),
    namespaces: z.array(dnsLabelSchema).min(1).max(50).optional(),
  })
  .strict();

const namespaceSchema = z.preprocess(
  // A bare name is the namespace with nothing else (the first version of the spec took names only).
  (value) => (typeof value === 'string' ? { name: value } : value),
  z
    .object({
      name: dnsLabelSchema,
      labels: labelsSchema,
      quota: z
        .record(z.string().regex(/^[a-z0-9./-]+$/, 'must be a resource name such as cpu or requests.memory'), quantity)
        .optional(),
      limitRange: z
        .object({
          defaultCpu: quantity.optional(),
          defaultMemory: quantity.optional(),
          defaultRequestCpu: quantity.optional(),
          defaultRequestMemory: quantity.optional(),
        })
        .strict()
        .optional(),
      networkPolicy: z
        .enum(NETWORK_POLICY_PRESETS, { error: `must be one of ${NETWORK_POLICY_PRESETS.join(', ')}` })
        .default('none'),
      podSecurity: z
        .enum(POD_SECURITY_LEVELS, { error: `must be one of ${POD_SECURITY_LEVELS.join(', ')}` })
        .optional(),
    })
    .strict(),
);

/** `POST /clusters` body (also the OpenAPI document's schema of it). */
export const clusterSpecSchema = z
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
    namespaces: z.array(namespaceSchema).max(50, 'at most 50 namespaces').default([]),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    nodegroups: z.array(nodegroupSchema).max(MAX_NODEGROUPS, `at most ${MAX_NODEGROUPS} node groups`).default([]),
    addons: z.array(addonSchema).max(20, 'at most 20 add-ons').default([]),
    access: z.array(accessSchema).max(50, 'at most 50 access entries').default([]),
    onFailure: z.enum(['rollback', 'keep'], { error: 'must be rollback or keep' }).default('rollback'),
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
    const keyed: [values: string[], field: string, key: string][] = [
      [spec.nodegroups.map((n) => n.name), 'nodegroups', 'name'],
      [spec.addons.map((a) => a.name), 'addons', 'name'],
      [spec.access.map((a) => a.principalArn), 'access', 'principalArn'],
      [spec.namespaces.map((n) => n.name), 'namespaces', 'name'],
    ];
    for (const [values, field, key] of keyed) unique(ctx, values, field, key);
    spec.namespaces.forEach((n, i) => {
      if (n.name === SYSTEM_NAMESPACE)
        ctx.addIssue({
          code: 'custom',
          path: ['namespaces', i, 'name'],
          message: `${SYSTEM_NAMESPACE} is eksflow's own`,
        });
    });
  });

/** Each name once: the second occurrence is named. */
function unique(ctx: z.RefinementCtx, names: string[], list: string, field: string) {
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      ctx.addIssue({ code: 'custom', path: [list, i, field], message: `repeats ${JSON.stringify(name)}` });
  });
}

function isJsonObjectText(text: string): boolean {
  try {
    return isPlainObject(JSON.parse(text));
  } catch {
    return false;
  }
}

export interface ClusterDefaults {
  roleArn?: string;
  subnetIds?: string[];
  /** The node role of node groups that name none. */
  nodeRoleArn?: string;
  /**
   * The stack's group that opens the cluster API (443) to the functions' security group: added to every
   * spec's own groups, since without it the functions in the VPC cannot reach a private endpoint.
   */
  securityGroupIds?: string[];
}

/** Validates a provisioning request after filling in the deployment's defaults (role, subnets). */
export function parseClusterSpec(body: unknown, defaults: ClusterDefaults = {}): ClusterSpec {
  const { nodeRoleArn, securityGroupIds: reachGroups = [], ...clusterDefaults } = defaults;
  const withDefaults = isPlainObject(body) ? { ...definedOnly(clusterDefaults), ...body } : body;
  const parsed = parseWith(clusterSpecSchema, withDefaults, 'cluster spec');
  const missingRole = parsed.nodegroups.findIndex((ng) => !ng.nodeRoleArn && !nodeRoleArn);
  if (missingRole >= 0)
    throw ValidationError.forField(
      `nodegroups.${missingRole}.nodeRoleArn`,
      'is required: no default node role is configured',
    );
  return {
    ...parsed,
    securityGroupIds: [...new Set([...parsed.securityGroupIds, ...reachGroups])],
    nodegroups: parsed.nodegroups.map((ng) => ({
      ...ng,
      subnetIds: ng.subnetIds ?? parsed.subnetIds,
      nodeRoleArn: ng.nodeRoleArn ?? (nodeRoleArn as string),
    })),
  } as ClusterSpec;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
