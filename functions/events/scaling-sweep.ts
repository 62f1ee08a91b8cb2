import { resumeScaleRuns } from '../../core/scaling/commands/resume-scale-runs';
import { sweepScalingPolicies } from '../../core/scaling/commands/scaling-policies-on-alarm';
import { wired } from '../container';
import { scalingPortsOf } from '../scaling-ports';

export const ports = wired(scalingPortsOf);

/**
 * EventBridge schedule: changes whose workflow run was lost get a new run (their lock would otherwise
 * hold the node group), then alarm policies whose alarm stayed in state past the cooldown scale again.
 */
export async function main() {
  const deps = ports();
  const runs = await resumeScaleRuns(deps);
  const policies = await sweepScalingPolicies(deps);
  return { ...runs, ...policies };
}
