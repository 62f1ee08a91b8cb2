import { z } from 'zod';
import { dnsLabelSchema, eksNameSchema, isPlainObject } from '../../clusters/requests/cluster-spec';
import { parseIdempotencyKey } from '../../idempotency/requests/idempotency-key';
import { ValidationError } from '../../kernel/errors';
import { InvariantError } from '../../kernel/invariant';
import { parseWith } from '../../kernel/parse';
import { parseDuration } from '../domain/duration';
import type { CanaryStep, RolloutRequest } from '../domain/types';

/**
 * Request limits. Together they keep a rollout record (request, two pod templates, 200 history
 * entries) far below DynamoDB's 400 KB item limit, and every one is a 400 naming the field.
 */
/** Serialized podTemplatePatch: a release changes images, env and resources, not kilobytes of spec. */
export const MAX_POD_TEMPLATE_PATCH_BYTES = 32 * 1024;
/** Nesting of podTemplatePatch: a pod spec is ~10 levels deep; deeper input only costs stack. */
export const MAX_POD_TEMPLATE_PATCH_DEPTH = 20;
/** setCanaryScale's replicas: a canary larger than any Deployment eksflow should be asked to double. */
export const MAX_CANARY_REPLICAS = 1000;
/** Canary steps: Argo's longest documented plans have about a dozen. */
export const MAX_CANARY_STEPS = 50;
/** Guarding alarms, and alarms of one analysis step: one DescribeAlarms call judges them all. */
export const MAX_ALARMS_PER_LIST = 10;
/** Distinct alarms a rollout depends on (guarding and step alarms), each an index entry in the store. */
export const MAX_ALARMS_PER_ROLLOUT = 20;
/** CloudWatch's own limit on an alarm name. */
export const MAX_ALARM_NAME_LENGTH = 255;
/** An image reference: registry host, a 255-character repository, a 128-character tag and a digest fit. */
export const MAX_IMAGE_LENGTH = 512;
/** Longest timed pause: a week covers a release held over a weekend; longer waits are `pause: {}`. */
export const MAX_PAUSE_SECONDS = 7 * 24 * 3600;
/** A duration string ("1h30m") is a few characters; a long one is a mistake, not a duration. */
const MAX_DURATION_LENGTH = 16;

const alarmNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ALARM_NAME_LENGTH, `must be at most ${MAX_ALARM_NAME_LENGTH} characters`);

const alarmListSchema = z.array(alarmNameSchema).max(MAX_ALARMS_PER_LIST, `at most ${MAX_ALARMS_PER_LIST} alarms`);

const analysisSchema = z
  .object({
    alarms: alarmListSchema.default([]),
    noData: z.enum(['pass', 'pause', 'fail']).default('pause'),
    // Refused below with a reason of its own: metrics are measured in analysis steps only, for now.
    metrics: z.unknown().optional(),
  })
  .strict();

const durationSchema = z
  .string()
  .max(MAX_DURATION_LENGTH, 'must be a duration like "30s", "5m", "1h" or "1h30m"')
  .refine((d) => parseDuration(d) !== undefined, 'must be a duration like "30s", "5m", "1h" or "1h30m"')
  .refine((d) => (parseDuration(d) ?? 0) <= MAX_PAUSE_SECONDS, `must be at most ${MAX_PAUSE_SECONDS / 3600}h`);

/** Metrics of one analysis step: each GetMetricData call reads them all, and 10 keeps a step's record small. */
export const MAX_METRICS_PER_STEP = 10;
/** GetMetricData takes at most 500 queries; a metric's condition reads one series, so a few suffice. */
export const MAX_QUERIES_PER_METRIC = 10;
/** Measurements of one metric: 100 at "1m" is well over an hour of watching one step. */
export const MAX_METRIC_COUNT = 100;

const metricStatSchema = z
  .object({
    Metric: z
      .object({
        Namespace: z.string().min(1).max(255),
        MetricName: z.string().min(1).max(255),
        Dimensions: z
          .array(z.object({ Name: z.string().min(1).max(255), Value: z.string().min(1).max(1024) }).strict())
          .max(30)
          .optional(),
      })
      .strict(),
    Period: z.number().int().min(1),
    Stat: z.string().min(1).max(100),
    Unit: z.string().min(1).max(64).optional(),
  })
  .strict();

/** A GetMetricData MetricDataQuery, as CloudWatch takes it: exactly one of MetricStat and Expression. */
const metricQuerySchema = z
  .object({
    Id: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,254}$/, 'must start with a lowercase letter, then letters, digits, _'),
    MetricStat: metricStatSchema.optional(),
    Expression: z.string().min(1).max(2048).optional(),
    Label: z.string().max(255).optional(),
    ReturnData: z.boolean().optional(),
    Period: z.number().int().min(1).optional(),
  })
  .strict()
  .refine(
    (q) => (q.MetricStat === undefined) !== (q.Expression === undefined),
    'needs exactly one of MetricStat and Expression',
  );

const metricSchema = z
  .object({
    name: dnsLabelSchema,
    query: z
      .array(metricQuerySchema)
      .min(1, 'needs at least one MetricDataQuery')
      .max(MAX_QUERIES_PER_METRIC, `at most ${MAX_QUERIES_PER_METRIC} queries`)
      .refine(
        (queries) => queries.filter((q) => q.ReturnData !== false).length === 1,
        'exactly one query must return data (set "ReturnData": false on the others): the condition reads one series',
      ),
    interval: durationSchema.default('30s'),
    count: z.number().int().min(1).max(MAX_METRIC_COUNT).default(1),
    failureLimit: z.number().int().min(0).max(MAX_METRIC_COUNT).default(0),
    inconclusiveLimit: z.number().int().min(0).max(MAX_METRIC_COUNT).default(0),
    condition: z
      .object({
        operator: z.enum(['<', '<=', '>', '>=', '==', '!=']),
        threshold: z.number(),
        statistic: z.enum(['max', 'avg', 'last']).default('avg'),
      })
      .strict(),
    noData: z.enum(['pass', 'pause', 'fail'], { message: 'is required: "pass", "pause" or "fail"' }),
    dryRun: z.boolean().default(false),
  })
  .strict();

const stepMetricsSchema = z
  .array(metricSchema)
  .min(1)
  .max(MAX_METRICS_PER_STEP, `at most ${MAX_METRICS_PER_STEP} metrics`)
  .refine((metrics) => new Set(metrics.map((m) => m.name)).size === metrics.length, 'metric names must be distinct');

/** A step has exactly one field: zod's strict objects in a union, so `{setWeight, pause}` is refused. */
export const stepSchema = z.union([
  z
    .object({ setWeight: z.number().int('must be a whole number').min(0, 'must be 0–100').max(100, 'must be 0–100') })
    .strict(),
  z.object({ pause: z.object({ duration: durationSchema.optional() }).strict() }).strict(),
  z
    .object({
      analysis: z.object({ alarms: alarmListSchema.optional(), metrics: stepMetricsSchema.optional() }).strict(),
    })
    .strict(),
  z
    .object({
      setCanaryScale: z.union([
        z.object({ replicas: z.number().int().min(0).max(MAX_CANARY_REPLICAS) }).strict(),
        z.object({ weight: z.number().int().min(0).max(100) }).strict(),
        z.object({ matchTrafficWeight: z.literal(true) }).strict(),
      ]),
    })
    .strict(),
]);

/** ALB routing: the Ingress, and the Service its rule sends to the actions annotation, on one port. */
const albRoutingSchema = z
  .object({
    alb: z
      .object({
        ingress: dnsLabelSchema,
        rootService: dnsLabelSchema,
        servicePort: z.number().int().min(1, 'must be a port 1–65535').max(65535, 'must be a port 1–65535'),
      })
      .strict(),
  })
  .strict();

const canarySchema = z
  .object({
    trafficRouting: z
      .union([z.literal('replicas'), albRoutingSchema], {
        message: 'must be "replicas" or {"alb": {"ingress", "rootService", "servicePort"}}',
      })
      .default('replicas'),
    stableService: dnsLabelSchema.optional(),
    canaryService: dnsLabelSchema.optional(),
    abortScaleDownDelaySeconds: z.number().int().min(0).max(86400).optional(),
    steps: z
      .array(z.unknown())
      .min(1, 'needs at least one step')
      .max(MAX_CANARY_STEPS, `at most ${MAX_CANARY_STEPS} steps`),
    analysis: analysisSchema.default({ alarms: [], noData: 'pause' }),
    allowWeightDecrease: z.boolean().default(false),
  })
  .strict();

const blueGreenSchema = z
  .object({
    activeService: dnsLabelSchema,
    previewService: dnsLabelSchema.optional(),
    autoPromotionSeconds: z.number().int().min(0).max(86400).optional(),
    scaleDownDelaySeconds: z.number().int().min(0).max(86400).default(30),
    analysis: analysisSchema.default({ alarms: [], noData: 'pause' }),
  })
  .strict();

/** `POST /rollouts` body; each of `canary.steps` is checked on its own against `stepSchema` (see below). */
export const rolloutRequestSchema = z
  .object({
    cluster: eksNameSchema,
    namespace: dnsLabelSchema,
    deployment: dnsLabelSchema,
    image: z
      .string()
      .min(1)
      .max(MAX_IMAGE_LENGTH, `must be at most ${MAX_IMAGE_LENGTH} characters`)
      .regex(/^\S+$/, 'must be an image reference without spaces')
      .optional(),
    container: dnsLabelSchema.optional(),
    podTemplatePatch: z
      .record(z.string(), z.unknown())
      .refine(
        (patch) => depthOf(patch) <= MAX_POD_TEMPLATE_PATCH_DEPTH,
        `must be nested at most ${MAX_POD_TEMPLATE_PATCH_DEPTH} levels deep`,
      )
      .refine(
        // Too deep is reported above; serializing it could exhaust the stack.
        (patch) =>
          depthOf(patch) > MAX_POD_TEMPLATE_PATCH_DEPTH ||
          Buffer.byteLength(JSON.stringify(patch)) <= MAX_POD_TEMPLATE_PATCH_BYTES,
        `must be at most ${MAX_POD_TEMPLATE_PATCH_BYTES} bytes as JSON`,
      )
      .optional(),
    canary: canarySchema.optional(),
    blueGreen: blueGreenSchema.optional(),
    progressDeadlineSeconds: z.number().int().min(10, 'must be at least 10').max(86400).default(600),
  })
  .strict();

/** Validates `POST /rollouts` (everything that can be judged without asking the cluster or CloudWatch). */
export function parseRolloutRequest(body: unknown): RolloutRequest {
  const parsed = parseWith(rolloutRequestSchema, body, 'rollout request');
  const { canary, blueGreen, ...rest } = parsed;
  const problems: { field: string; reason: string }[] = [];
  if (!parsed.canary === !parsed.blueGreen) {
    problems.push({
      field: parsed.canary ? 'blueGreen' : 'canary',
      reason: parsed.canary
        ? 'give one strategy, not both canary and blueGreen'
        : 'a strategy is required: canary or blueGreen',
    });
  }
  if (!parsed.image && !parsed.podTemplatePatch)
    problems.push({ field: 'image', reason: 'give the new image (or a podTemplatePatch)' });
  // Which fields a patch may change (and which labels) is checked against the access policy: see
  // access/domain/pod-template-patch.ts; labels the Deployment selects on are checked against the cluster.
  const steps: CanaryStep[] = [];
  if (canary) {
    const checked = canary.steps.map((raw, i) => {
      const step = stepSchema.safeParse(raw);
      if (!step.success) problems.push({ field: `canary.steps.${i}`, reason: describeBadStep(raw) });
      return step.success ? step.data : undefined;
    });
    steps.push(...checked.filter((s): s is CanaryStep => s !== undefined));
    let previous = 0;
    checked.forEach((step, i) => {
      if (!step || !('setWeight' in step)) return;
      if (step.setWeight < previous && !canary.allowWeightDecrease) {
        problems.push({
          field: `canary.steps.${i}.setWeight`,
          reason: `must not go down (${previous} → ${step.setWeight}) unless canary.allowWeightDecrease is true`,
        });
      }
      previous = step.setWeight;
    });
    problems.push(...albProblems(canary, checked));
  }
  const strategy = parsed.canary ? 'canary' : 'blueGreen';
  if ((parsed.canary ?? parsed.blueGreen)?.analysis.metrics !== undefined)
    problems.push({
      field: `${strategy}.analysis.metrics`,
      reason:
        'rollout-wide metrics are not supported yet: give them in an analysis step, {"analysis": {"metrics": [...]}}',
    });
  const distinctAlarms = new Set([
    ...((parsed.canary ?? parsed.blueGreen)?.analysis.alarms ?? []),
    ...steps.flatMap((s) => ('analysis' in s ? (s.analysis.alarms ?? []) : [])),
  ]);
  if (distinctAlarms.size > MAX_ALARMS_PER_ROLLOUT)
    problems.push({
      field: `${strategy}.analysis.alarms`,
      reason: `a rollout may depend on at most ${MAX_ALARMS_PER_ROLLOUT} alarms (guarding and analysis steps together; got ${distinctAlarms.size})`,
    });
  if (problems.length)
    throw new ValidationError(
      `invalid rollout request: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  if (canary) {
    const { allowWeightDecrease: _, analysis, ...spec } = canary;
    return { ...rest, canary: { ...spec, steps, analysis: { alarms: analysis.alarms, noData: analysis.noData } } };
  }
  if (blueGreen) {
    const { analysis, ...spec } = blueGreen;
    return { ...rest, blueGreen: { ...spec, analysis: { alarms: analysis.alarms, noData: analysis.noData } } };
  }
  throw new InvariantError('a rollout request without a strategy passed validation');
}

/** ALB routing needs its two Services (apart from the root one); setCanaryScale means nothing without it. */
function albProblems(
  canary: z.infer<typeof canarySchema>,
  steps: (CanaryStep | undefined)[],
): { field: string; reason: string }[] {
  const problems: { field: string; reason: string }[] = [];
  if (canary.trafficRouting === 'replicas') {
    steps.forEach((step, i) => {
      if (step && 'setCanaryScale' in step)
        problems.push({
          field: `canary.steps.${i}.setCanaryScale`,
          reason: 'needs trafficRouting alb: with replicas routing the canary size is its weight',
        });
    });
    for (const field of ['stableService', 'canaryService', 'abortScaleDownDelaySeconds'] as const) {
      if (canary[field] !== undefined)
        problems.push({ field: `canary.${field}`, reason: 'applies to trafficRouting alb only' });
    }
    return problems;
  }
  const { rootService } = canary.trafficRouting.alb;
  for (const field of ['stableService', 'canaryService'] as const) {
    const service = canary[field];
    if (!service) problems.push({ field: `canary.${field}`, reason: 'is required with trafficRouting alb' });
    else if (service === rootService)
      problems.push({
        field: `canary.${field}`,
        reason: `must not be the rootService ${rootService} (the root Service's rule takes the weights)`,
      });
  }
  if (canary.stableService && canary.stableService === canary.canaryService)
    problems.push({ field: 'canary.canaryService', reason: 'must differ from stableService' });
  return problems;
}

/** What is wrong with an analysis step, naming the first field zod refuses (a metric's query, its noData, …). */
function describeBadAnalysis(analysis: unknown): string {
  const parsed = z
    .object({ alarms: alarmListSchema.optional(), metrics: stepMetricsSchema.optional() })
    .strict()
    .safeParse(analysis);
  if (parsed.success) return 'analysis must be {} or {"alarms": [names], "metrics": [...]}';
  const issue = parsed.error.issues[0];
  const path = ['analysis', ...(issue?.path ?? [])].join('.');
  return `${path}: ${issue?.message ?? 'is not valid'} (alarms: at most ${MAX_ALARMS_PER_LIST}; metrics: {name, query, interval, count, failureLimit, inconclusiveLimit, condition: {operator, threshold, statistic}, noData, dryRun})`;
}

/** Nesting depth of a JSON value, counted without recursion (a deep input must not exhaust the stack). */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_POD_TEMPLATE_PATCH_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function describeBadStep(raw: unknown): string {
  if (!isPlainObject(raw)) return 'must be an object with one of setWeight, pause, analysis, setCanaryScale';
  const keys = Object.keys(raw);
  if (keys.length !== 1)
    return `must have exactly one of setWeight, pause, analysis, setCanaryScale (got ${keys.join(', ') || 'none'})`;
  const [key] = keys;
  if (key === 'setWeight') return 'setWeight must be a whole number 0–100';
  if (key === 'pause') return `pause must be {} or {"duration": "30s"|"5m"|"1h"}, at most ${MAX_PAUSE_SECONDS / 3600}h`;
  if (key === 'setCanaryScale')
    return `setCanaryScale must be {"replicas": 0–${MAX_CANARY_REPLICAS}}, {"weight": 0–100} or {"matchTrafficWeight": true}`;
  if (key === 'analysis') return describeBadAnalysis(raw.analysis);
  return `unknown step type ${key}`;
}

export { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../idempotency/requests/idempotency-key';
export { alarmsOf } from '../domain/alarms';
/** An abort reason is a sentence for the history, not a document. */
export const MAX_ABORT_REASON_LENGTH = 1024;

export const promoteBodySchema = z
  .object({
    full: z.boolean({ message: 'must be true or false' }).optional(),
    step: z
      .number({ message: 'must be the currentStepIndex you saw' })
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .max(MAX_CANARY_STEPS, `must be at most ${MAX_CANARY_STEPS}`)
      .optional(),
  })
  .strict();

/** `POST /rollouts/{id}/promote`: `{full?, step?}` and the optional `Idempotency-Key` header. */
export function parsePromoteRequest(
  body: unknown,
  idempotencyKey: string | undefined,
): { full: boolean; step?: number; idempotencyKey?: string } {
  const { full, step } = parseWith(promoteBodySchema, body, 'promote request');
  parseIdempotencyKey(idempotencyKey);
  return {
    full: full === true,
    ...(step !== undefined ? { step } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
}

export const abortBodySchema = z
  .object({
    reason: z
      .string({ message: 'must be a string' })
      .max(MAX_ABORT_REASON_LENGTH, `must be at most ${MAX_ABORT_REASON_LENGTH} characters`)
      .optional(),
  })
  .passthrough();

/** `POST /rollouts/{id}/abort`: an optional, bounded `reason`. */
export function parseAbortReason(body: unknown): string {
  const { reason } = parseWith(abortBodySchema, body, 'abort request');
  return reason?.trim() ? reason : 'aborted by request';
}
