import type { AlarmStates } from '../../alarms/ports/alarms';
import { newVersionName } from '../domain/names';
import type { Rollout } from '../domain/types';
import type { Workloads } from '../ports/workloads';

/** An alarm a rollout names that CloudWatch does not have (deleted, or never created). */
export const MISSING_ALARM = 'MISSING';

export interface SideReplicas {
  /** spec.replicas */
  desired: number;
  /** status.readyReplicas */
  ready: number;
}

/** What the cluster and CloudWatch show of a rollout now (GET /rollouts/{id}/live): never stored, read each time. */
export interface RolloutLive {
  /** The stable (blue) Deployment; absent when it is not there. */
  stable?: SideReplicas;
  /** The rollout's own Deployment (`-canary` / `-green`); absent before it is created and after it is removed. */
  canary?: SideReplicas;
  alarms: Record<string, string>;
  at: string;
}

/**
 * Ready and desired replicas of each side and the state of each guarding alarm: what `eksflow rollouts watch` and
 * the dashboard show beside the record, so that nobody has to believe a record the cluster does not show.
 */
export async function readRolloutLive(
  deps: { workloads: Workloads; alarms: AlarmStates; now: () => Date },
  r: Pick<Rollout, 'cluster' | 'namespace' | 'deployment' | 'strategy' | 'alarms'>,
): Promise<RolloutLive> {
  const [stable, canary, states] = await Promise.all([
    deps.workloads.getDeployment(r.cluster, r.namespace, r.deployment),
    deps.workloads.getDeployment(r.cluster, r.namespace, newVersionName(r)),
    r.alarms.length ? deps.alarms.states(r.alarms) : Promise.resolve({} as Record<string, string>),
  ]);
  const side = (d: typeof stable) => d && { desired: d.replicas, ready: d.status.readyReplicas };
  return {
    stable: side(stable),
    canary: side(canary),
    alarms: Object.fromEntries(r.alarms.map((a) => [a, states[a] ?? MISSING_ALARM])),
    at: deps.now().toISOString(),
  };
}
