import { NotFoundError, ValidationError } from '../../kernel/errors';
import type { ScalingPolicy } from '../domain/records';
import { parsePolicyRequest } from '../requests/scaling-request';
import type { ScalingDeps } from '../scaling-deps';
import { requireNodegroup } from './start-scale';

type Target = { cluster: string; nodegroup: string };

/** Binds an existing CloudWatch alarm to an adjustment of the node group. */
export async function createPolicy(
  deps: ScalingDeps,
  target: Target,
  body: unknown,
  createdBy: string,
): Promise<ScalingPolicy> {
  const request = parsePolicyRequest(body);
  await requireNodegroup(deps, target);
  const states = await deps.alarms.states([request.alarm]);
  if (!(request.alarm in states))
    throw ValidationError.forField('alarm', `CloudWatch has no alarm named ${request.alarm}`);
  const policy: ScalingPolicy = { ...target, ...request, createdAt: deps.now().toISOString(), createdBy };
  await deps.scaling.createPolicy(policy);
  return policy;
}

export async function listPolicies(deps: ScalingDeps, target: Target) {
  await requireNodegroup(deps, target);
  return { policies: await deps.scaling.listPolicies(target.cluster, target.nodegroup) };
}

export async function deletePolicy(deps: ScalingDeps, target: Target, name: string): Promise<void> {
  if (!(await deps.scaling.deletePolicy(target.cluster, target.nodegroup, name)))
    throw new NotFoundError(`policy ${name} not found on ${target.cluster}/${target.nodegroup}`, {
      details: [{ field: 'policy', reason: 'no such policy' }],
    });
}
