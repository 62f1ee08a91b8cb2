import { UsageError } from '../errors';
import type { ApiRequest } from '../http/api-client';

/** Rollout ids are UUIDs; any other argument names a Deployment whose latest rollout is meant. */
const ROLLOUT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A pause's duration as the API takes it (`30s`, `5m`, `1h`). */
const DURATION = /^\d+(ms|s|m|h)$/;

export const isRolloutId = (value: string) => ROLLOUT_ID.test(value);

export type CanaryStep = { setWeight: number } | { pause: { duration?: string } } | { analysis: { alarms?: string[] } };

/**
 * `--canary 10,30s,50,pause`: a number sets the canary weight, a duration pauses that long, `pause` waits
 * for `promote`, `analysis` checks the alarms at that point.
 */
export function parseCanarySteps(spec: string): CanaryStep[] {
  const steps = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (steps.length === 0) throw new UsageError('--canary: give at least one step, e.g. 10,30s,50,pause');
  return steps.map((step) => {
    if (/^\d+$/.test(step)) {
      const weight = Number(step);
      if (weight > 100) throw new UsageError(`--canary: weight ${weight} is above 100`);
      return { setWeight: weight };
    }
    if (step === 'pause') return { pause: {} };
    if (step === 'analysis') return { analysis: {} };
    if (DURATION.test(step)) return { pause: { duration: step } };
    throw new UsageError(`--canary: "${step}" is not a weight (0-100), a duration (30s, 5m), "pause" or "analysis"`);
  });
}

export interface RolloutStartOptions {
  /** The `-f` file's body, which flags given on the command line override. */
  file?: Record<string, unknown>;
  deployment?: string;
  cluster?: string;
  namespace?: string;
  image?: string;
  container?: string;
  canary?: string;
  blueGreen?: string;
  previewService?: string;
  autoPromoteSeconds?: number;
  scaleDownDelaySeconds?: number;
  alarm?: string[];
  noData?: string;
  progressDeadlineSeconds?: number;
}

const definedOnly = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The `POST /rollouts` body from `-f` and/or the flags; the API validates the rest and names any bad field. */
export function buildRolloutStart(o: RolloutStartOptions): ApiRequest {
  if (o.canary && o.blueGreen) throw new UsageError('--canary and --blue-green: give one strategy');
  const analysis =
    o.alarm?.length || o.noData
      ? definedOnly({ alarms: o.alarm?.length ? o.alarm : undefined, noData: o.noData })
      : undefined;
  const strategy = o.canary
    ? { canary: definedOnly({ trafficRouting: 'replicas', steps: parseCanarySteps(o.canary), analysis }) }
    : o.blueGreen
      ? {
          blueGreen: definedOnly({
            activeService: o.blueGreen,
            previewService: o.previewService,
            autoPromotionSeconds: o.autoPromoteSeconds,
            scaleDownDelaySeconds: o.scaleDownDelaySeconds,
            analysis,
          }),
        }
      : undefined;
  const body: Record<string, unknown> = {
    ...o.file,
    ...definedOnly({
      cluster: o.cluster ?? (o.file?.cluster === undefined ? 'sandbox' : undefined),
      namespace: o.namespace ?? (o.file?.namespace === undefined ? 'default' : undefined),
      deployment: o.deployment,
      image: o.image,
      container: o.container,
      progressDeadlineSeconds: o.progressDeadlineSeconds,
    }),
    ...strategy,
  };
  if (!o.file && !strategy)
    throw new UsageError('rollouts start: give --canary STEPS, --blue-green SERVICE or -f FILE');
  if (strategy && o.file) delete body[o.canary ? 'blueGreen' : 'canary'];
  if (!strategy && analysis) throw new UsageError('--alarm/--no-data: only with --canary or --blue-green');
  if (!body.deployment) throw new UsageError('rollouts start: name the Deployment (argument or "deployment" in -f)');
  return { method: 'POST', path: '/rollouts', body };
}

export const rolloutGet = (id: string): ApiRequest => ({ method: 'GET', path: `/rollouts/${encodeURIComponent(id)}` });

export function rolloutList(q: {
  cluster?: string;
  namespace?: string;
  deployment?: string;
  limit?: number;
  nextToken?: string;
}): ApiRequest {
  const query = new URLSearchParams(definedOnly(q) as Record<string, string>).toString();
  return { method: 'GET', path: `/rollouts${query ? `?${query}` : ''}` };
}

export function rolloutPromote(id: string, o: { full?: boolean; step?: number; idempotencyKey?: string }): ApiRequest {
  return {
    method: 'POST',
    path: `/rollouts/${encodeURIComponent(id)}/promote`,
    body: definedOnly({ full: o.full || undefined, step: o.step }),
    headers: o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : undefined,
  };
}

export const rolloutAbort = (id: string, reason?: string): ApiRequest => ({
  method: 'POST',
  path: `/rollouts/${encodeURIComponent(id)}/abort`,
  body: definedOnly({ reason }),
});

/** A retry carries a key of its own, so that a retried request after a lost answer starts one rollout, not two. */
export const rolloutRetry = (id: string, idempotencyKey: string): ApiRequest => ({
  method: 'POST',
  path: `/rollouts/${encodeURIComponent(id)}/retry`,
  headers: { 'idempotency-key': idempotencyKey },
});

export const rolloutLive = (id: string): ApiRequest => ({
  method: 'GET',
  path: `/rollouts/${encodeURIComponent(id)}/live`,
});
