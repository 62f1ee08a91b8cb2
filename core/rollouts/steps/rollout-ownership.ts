import { REPLICAS_ANNOTATION, ROLLOUT_LABEL } from '../domain/names';
import type { Rollout } from '../domain/types';
import type { DeploymentView } from '../ports/workloads';

/*
 * Which Deployments a rollout may touch, and the note it leaves on stable's replica changes. Kept apart from the
 * step modules so the abort path (restore-stable) and the passes can share them without importing each other.
 */

/** Deployments eksflow created carry the owning rollout's id; nothing else is adopted, scaled or deleted. */
export function ownedBy(r: Pick<Rollout, 'id'>, d: Pick<DeploymentView, 'labels'> | undefined): boolean {
  return d?.labels[ROLLOUT_LABEL] === r.id;
}

/** The annotation eksflow writes with every replica change of the stable Deployment (see REPLICAS_ANNOTATION). */
export function replicasNote(r: Pick<Rollout, 'revision'>, replicas: number): Record<string, string> {
  return { [REPLICAS_ANNOTATION]: `${replicas}/${r.revision}` };
}
