import { z } from 'zod';
import { parseDuration } from '../domain/rollout/duration';
import type { CanaryStep, RolloutRequest } from '../domain/rollout/types';
import { ValidationError } from '../errors';
import { dnsLabelSchema, eksNameSchema, isPlainObject } from './cluster-spec';
import { parseWith } from './parse';

const alarmNameSchema = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

const analysisSchema = z
  .object({
    alarms: z.array(alarmNameSchema).max(10, 'at most 10 alarms').default([]),
    noData: z.enum(['pass', 'pause', 'fail']).default('pause'),
  })
  .strict();

const durationSchema = z
  .string()
  .refine((d) => parseDuration(d) !== undefined, 'must be a duration like "30s", "5m", "1h" or "1h30m"');

/** A step has exactly one field: zod's strict objects in a union, so `{setWeight, pause}` is refused. */
const stepSchema = z.union([
  z
    .object({ setWeight: z.number().int('must be a whole number').min(0, 'must be 0–100').max(100, 'must be 0–100') })
    .strict(),
  z.object({ pause: z.object({ duration: durationSchema.optional() }).strict() }).strict(),
  z.object({ analysis: z.object({ alarms: z.array(alarmNameSchema).optional() }).strict() }).strict(),
]);

const canarySchema = z
  .object({
    trafficRouting: z.literal('replicas', { message: 'only "replicas" is supported' }).default('replicas'),
    steps: z.array(z.unknown()).min(1, 'needs at least one step'),
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

const requestSchema = z
  .object({
    cluster: eksNameSchema,
    namespace: dnsLabelSchema,
    deployment: dnsLabelSchema,
    image: z.string().min(1).max(512).regex(/^\S+$/, 'must be an image reference without spaces').optional(),
    container: dnsLabelSchema.optional(),
    podTemplatePatch: z.record(z.string(), z.unknown()).optional(),
    canary: canarySchema.optional(),
    blueGreen: blueGreenSchema.optional(),
    progressDeadlineSeconds: z.number().int().min(10, 'must be at least 10').max(86400).default(600),
  })
  .strict();

/** Validates `POST /rollouts` (everything that can be judged without asking the cluster or CloudWatch). */
export function parseRolloutRequest(body: unknown): RolloutRequest {
  const parsed = parseWith(requestSchema, body, 'rollout request');
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
  if (
    isPlainObject(parsed.podTemplatePatch) &&
    'metadata' in parsed.podTemplatePatch &&
    isPlainObject(parsed.podTemplatePatch.metadata) &&
    'labels' in parsed.podTemplatePatch.metadata
  ) {
    problems.push({
      field: 'podTemplatePatch.metadata.labels',
      reason: 'labels are managed by the rollout (they must keep matching the Service)',
    });
  }
  const steps: CanaryStep[] = [];
  if (parsed.canary) {
    const checked = parsed.canary.steps.map((raw, i) => {
      const step = stepSchema.safeParse(raw);
      if (!step.success) problems.push({ field: `canary.steps.${i}`, reason: describeBadStep(raw) });
      return step.success ? step.data : undefined;
    });
    steps.push(...checked.filter((s): s is CanaryStep => s !== undefined));
    let previous = 0;
    checked.forEach((step, i) => {
      if (!step || !('setWeight' in step)) return;
      if (step.setWeight < previous && !parsed.canary!.allowWeightDecrease) {
        problems.push({
          field: `canary.steps.${i}.setWeight`,
          reason: `must not go down (${previous} → ${step.setWeight}) unless canary.allowWeightDecrease is true`,
        });
      }
      previous = step.setWeight;
    });
  }
  if (problems.length)
    throw new ValidationError(
      `invalid rollout request: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      problems,
    );
  const { canary, ...rest } = parsed;
  return {
    ...rest,
    ...(canary ? { canary: { trafficRouting: canary.trafficRouting, steps, analysis: canary.analysis } } : {}),
  };
}

function describeBadStep(raw: unknown): string {
  if (!isPlainObject(raw)) return 'must be an object with one of setWeight, pause, analysis';
  const keys = Object.keys(raw);
  if (keys.length !== 1)
    return `must have exactly one of setWeight, pause, analysis (got ${keys.join(', ') || 'none'})`;
  const [key] = keys;
  if (key === 'setWeight') return 'setWeight must be a whole number 0–100';
  if (key === 'pause') return 'pause must be {} or {"duration": "30s"|"5m"|"1h"}';
  if (key === 'analysis') return 'analysis must be {} or {"alarms": [names]}';
  return `unknown step type ${key}`;
}

/** Every alarm the rollout depends on: the guarding ones and those named by analysis steps. */
export function alarmsOf(request: RolloutRequest): { guarding: string[]; all: string[] } {
  const guarding = [...new Set((request.canary ?? request.blueGreen)!.analysis.alarms)];
  const stepAlarms = (request.canary?.steps ?? []).flatMap((s) => ('analysis' in s ? (s.analysis.alarms ?? []) : []));
  return { guarding, all: [...new Set([...guarding, ...stepAlarms])] };
}
