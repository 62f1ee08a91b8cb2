import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';
import { parseWith } from '../../kernel/parse';
import type { Adjustment } from '../domain/adjustment';
import { EKS_MAX_NODEGROUP_SIZE, type SizeRequest } from '../domain/sizes';

const size = z.number().int('must be a whole number').min(0, 'must be 0 or more').max(EKS_MAX_NODEGROUP_SIZE);
/** Names of schedules and policies: they become part of EventBridge Scheduler names and store keys. */
const recordName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[0-9A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter or digit: letters, digits, "-" and "_"');

export const scaleSchema = z
  .object({
    desiredSize: size.optional(),
    delta: z.number().int('must be a whole number').min(-EKS_MAX_NODEGROUP_SIZE).max(EKS_MAX_NODEGROUP_SIZE).optional(),
    fitPendingPods: z.literal(true, 'must be true when given').optional(),
    minSize: size.optional(),
    maxSize: size.optional(),
    protectPending: z.boolean().optional(),
  })
  .strict();

export interface ScaleRequestBody {
  request: SizeRequest;
  protectPending: boolean;
}

/** POST …/scale: exactly one of desiredSize, delta, fitPendingPods; or only new bounds. */
export function parseScaleRequest(body: unknown): ScaleRequestBody {
  const b = parseWith(scaleSchema, body, 'scale request');
  const chosen = (['desiredSize', 'delta', 'fitPendingPods'] as const).filter((k) => b[k] !== undefined);
  const [, second] = chosen;
  if (second) throw ValidationError.forField(second, `give only one of desiredSize, delta and fitPendingPods`);
  const bounds = { minSize: b.minSize, maxSize: b.maxSize };
  if (chosen.length === 0 && b.minSize === undefined && b.maxSize === undefined)
    throw ValidationError.forField('desiredSize', 'give desiredSize, delta or fitPendingPods (or new minSize/maxSize)');
  const protectPending = b.protectPending ?? false;
  if (b.desiredSize !== undefined)
    return { request: { kind: 'desired', desiredSize: b.desiredSize, ...bounds }, protectPending };
  if (b.delta !== undefined) return { request: { kind: 'delta', delta: b.delta, ...bounds }, protectPending };
  if (b.fitPendingPods) return { request: { kind: 'fitPendingPods', ...bounds }, protectPending };
  return { request: { kind: 'bounds', ...bounds }, protectPending };
}

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z' });

export const scheduleSchema = z
  .object({
    name: recordName,
    schedule: z.string().superRefine((text, ctx) => {
      const parsed = scheduleExpression().parseScheduleExpression(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    }),
    timezone: z
      .string()
      .default('UTC')
      .refine(
        (zone) => scheduleExpression().isKnownTimeZone(zone),
        'must be an IANA time zone name, e.g. Europe/Paris',
      ),
    desiredSize: size.optional(),
    minSize: size.optional(),
    maxSize: size.optional(),
    startDate: isoDate.optional(),
    endDate: isoDate.optional(),
  })
  .strict();

export type ScheduleRequest = z.output<typeof scheduleSchema>;

export function parseScheduleRequest(body: unknown): ScheduleRequest {
  const s = parseWith(scheduleSchema, body, 'schedule');
  if (s.desiredSize === undefined && s.minSize === undefined && s.maxSize === undefined)
    throw ValidationError.forField('desiredSize', 'a schedule sets desiredSize, minSize or maxSize');
  if (s.minSize !== undefined && s.maxSize !== undefined && s.minSize > s.maxSize)
    throw ValidationError.forField('minSize', `minSize ${s.minSize} is above maxSize ${s.maxSize}`);
  if (s.startDate && s.endDate && Date.parse(s.startDate) >= Date.parse(s.endDate))
    throw ValidationError.forField('endDate', 'must be after startDate');
  return s;
}

/** Longest cooldown: a day (a policy that should act less often is a schedule). */
const MAX_COOLDOWN_SECONDS = 86_400;
/** EC2 Auto Scaling's default cooldown: what step-scaling users expect when they name none. */
const DEFAULT_COOLDOWN_SECONDS = 300;

const adjustmentSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('change'),
      value: z.number().int().min(-EKS_MAX_NODEGROUP_SIZE).max(EKS_MAX_NODEGROUP_SIZE),
    })
    .strict(),
  z
    .object({
      type: z.literal('percent'),
      value: z.number().int().min(-100).max(1000),
      minStep: z.number().int().min(1).max(EKS_MAX_NODEGROUP_SIZE).optional(),
    })
    .strict(),
  z.object({ type: z.literal('exact'), value: size }).strict(),
  z.object({ type: z.literal('fitPendingPods') }).strict(),
]);

export const policySchema = z
  .object({
    name: recordName,
    alarm: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
    state: z.enum(['ALARM', 'OK']).default('ALARM'),
    adjustment: adjustmentSchema,
    cooldownSeconds: z.number().int().min(0).max(MAX_COOLDOWN_SECONDS).default(DEFAULT_COOLDOWN_SECONDS),
  })
  .strict();

export type PolicyRequest = z.output<typeof policySchema> & { adjustment: Adjustment };

export function parsePolicyRequest(body: unknown): PolicyRequest {
  return parseWith(policySchema, body, 'policy');
}

/**
 * The schedule-expression parser (luxon, cron-parser), required on first use: only the schedule routes read an
 * expression, and the API should not parse that code at every cold start. In the packaged bundles it is a file
 * of its own beside the bundle (deploy/esbuild/plugins.cjs).
 */
function scheduleExpression(): typeof import('../domain/schedule-expression') {
  return require('../domain/schedule-expression');
}
