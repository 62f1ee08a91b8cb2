import { UsageError } from '../errors';
import type { ApiRequest } from '../http/api-client';

const seg = encodeURIComponent;
const nodegroupPath = (cluster: string, nodegroup: string) => `/clusters/${seg(cluster)}/nodegroups/${seg(nodegroup)}`;

export const clusterCreate = (spec: unknown, o: { dryRun?: boolean } = {}): ApiRequest => ({
  method: 'POST',
  path: `/clusters${o.dryRun ? '?dryRun=true' : ''}`,
  body: spec,
});
export const clusterGet = (name: string): ApiRequest => ({ method: 'GET', path: `/clusters/${seg(name)}` });
export const clusterList = (): ApiRequest => ({ method: 'GET', path: '/clusters' });
export function clusterDelete(name: string, o: { force?: boolean; dryRun?: boolean } = {}): ApiRequest {
  const query = new URLSearchParams({ ...(o.force ? { force: 'true' } : {}), ...(o.dryRun ? { dryRun: 'true' } : {}) });
  const search = query.toString();
  return { method: 'DELETE', path: `/clusters/${seg(name)}${search ? `?${search}` : ''}` };
}

export const nodegroupGet = (cluster: string, nodegroup?: string): ApiRequest => ({
  method: 'GET',
  path: nodegroup ? nodegroupPath(cluster, nodegroup) : `/clusters/${seg(cluster)}/nodegroups`,
});

/** The flags of `nodegroups scale`, named as the API's fields (`--desired-size` → `desiredSize`). */
export interface ScaleOptions {
  desiredSize?: number;
  delta?: number;
  fitPendingPods?: boolean;
  minSize?: number;
  maxSize?: number;
  protectPending?: boolean;
}

/** `POST …/scale`: at most one of `{desiredSize}`, `{delta}`, `{fitPendingPods: true}`, or only new bounds. */
export function nodegroupScale(cluster: string, nodegroup: string, o: ScaleOptions): ApiRequest {
  const how = [o.desiredSize !== undefined, o.delta !== undefined, o.fitPendingPods === true].filter(Boolean).length;
  const boundsOnly = how === 0 && (o.minSize !== undefined || o.maxSize !== undefined);
  if (how !== 1 && !boundsOnly)
    throw new UsageError(
      'nodegroups scale: give exactly one of --desired-size N, --delta N, --fit-pending-pods (or only --min-size/--max-size)',
    );
  return {
    method: 'POST',
    path: `${nodegroupPath(cluster, nodegroup)}/scale`,
    body: {
      ...(o.desiredSize !== undefined ? { desiredSize: o.desiredSize } : {}),
      ...(o.delta !== undefined ? { delta: o.delta } : {}),
      ...(o.fitPendingPods ? { fitPendingPods: true } : {}),
      ...(o.minSize !== undefined ? { minSize: o.minSize } : {}),
      ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}),
      ...(o.protectPending ? { protectPending: true } : {}),
    },
  };
}

export interface ScheduleOptions {
  name: string;
  schedule: string;
  timezone?: string;
  desiredSize?: number;
  minSize?: number;
  maxSize?: number;
  startDate?: string;
  endDate?: string;
}

export function scheduleAdd(cluster: string, nodegroup: string, o: ScheduleOptions): ApiRequest {
  if (!/^(cron|rate)\(.+\)$/.test(o.schedule))
    throw new UsageError(`--schedule: "${o.schedule}" is not cron(…) or rate(…)`);
  return {
    method: 'POST',
    path: `${nodegroupPath(cluster, nodegroup)}/schedules`,
    body: {
      name: o.name,
      schedule: o.schedule,
      timezone: o.timezone ?? 'UTC',
      ...(o.desiredSize !== undefined ? { desiredSize: o.desiredSize } : {}),
      ...(o.minSize !== undefined ? { minSize: o.minSize } : {}),
      ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}),
      ...(o.startDate ? { startDate: o.startDate } : {}),
      ...(o.endDate ? { endDate: o.endDate } : {}),
    },
  };
}
export const scheduleList = (cluster: string, nodegroup: string): ApiRequest => ({
  method: 'GET',
  path: `${nodegroupPath(cluster, nodegroup)}/schedules`,
});
export const scheduleRemove = (cluster: string, nodegroup: string, name: string): ApiRequest => ({
  method: 'DELETE',
  path: `${nodegroupPath(cluster, nodegroup)}/schedules/${seg(name)}`,
});

/** The adjustment types of a scaling policy; `fitPendingPods` takes no value. */
export const ADJUSTMENT_TYPES = ['change', 'percent', 'exact', 'fitPendingPods'] as const;

export interface PolicyOptions {
  name: string;
  alarm: string;
  adjustment: string;
  value?: number;
  minStep?: number;
  cooldown?: number;
  /** The alarm state that fires it: ALARM (the API's default) or OK. */
  state?: string;
}

export const POLICY_STATES = ['ALARM', 'OK'] as const;

export function policyAdd(cluster: string, nodegroup: string, o: PolicyOptions): ApiRequest {
  if (!(ADJUSTMENT_TYPES as readonly string[]).includes(o.adjustment))
    throw new UsageError(`--adjustment: "${o.adjustment}" is not one of ${ADJUSTMENT_TYPES.join(', ')}`);
  if (o.adjustment !== 'fitPendingPods' && o.value === undefined)
    throw new UsageError(`--value: an adjustment of type ${o.adjustment} needs a value`);
  if (o.state !== undefined && !(POLICY_STATES as readonly string[]).includes(o.state))
    throw new UsageError(`--state: "${o.state}" is not one of ${POLICY_STATES.join(', ')}`);
  if (o.minStep !== undefined && o.adjustment !== 'percent')
    throw new UsageError('--min-step: only for an adjustment of type percent');
  return {
    method: 'POST',
    path: `${nodegroupPath(cluster, nodegroup)}/policies`,
    body: {
      name: o.name,
      alarm: o.alarm,
      ...(o.state !== undefined ? { state: o.state } : {}),
      adjustment: {
        type: o.adjustment,
        ...(o.value !== undefined ? { value: o.value } : {}),
        ...(o.minStep !== undefined ? { minStep: o.minStep } : {}),
      },
      ...(o.cooldown !== undefined ? { cooldownSeconds: o.cooldown } : {}),
    },
  };
}
export const policyList = (cluster: string, nodegroup: string): ApiRequest => ({
  method: 'GET',
  path: `${nodegroupPath(cluster, nodegroup)}/policies`,
});
export const policyRemove = (cluster: string, nodegroup: string, name: string): ApiRequest => ({
  method: 'DELETE',
  path: `${nodegroupPath(cluster, nodegroup)}/policies/${seg(name)}`,
});

export const operationGet = (id: string): ApiRequest => ({ method: 'GET', path: `/operations/${seg(id)}` });
export const operationRetry = (id: string): ApiRequest => ({ method: 'POST', path: `/operations/${seg(id)}/retry` });
