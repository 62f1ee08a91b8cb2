import { type RolloutRequest, strategySpecOf } from './types';

/**
 * Every alarm the rollout depends on: the guarding ones and those named by analysis steps. In the domain,
 * not beside the request's schema, so that the workflow's tasks do not load zod (npm run bench, cold start).
 */
export function alarmsOf(request: RolloutRequest): { guarding: string[]; all: string[] } {
  const guarding = [...new Set(strategySpecOf(request).analysis.alarms)];
  const stepAlarms = (request.canary?.steps ?? []).flatMap((s) => ('analysis' in s ? (s.analysis.alarms ?? []) : []));
  return { guarding, all: [...new Set([...guarding, ...stepAlarms])] };
}
