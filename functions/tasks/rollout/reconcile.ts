import { reconcileRollout } from '../../../core/rollouts/steps/reconcile-rollout';
import { wired } from '../../container';
import { task } from '../task';
import { rolloutPortsOf } from './ports';

export const ports = wired(rolloutPortsOf);

export const main = task('reconcileRollout', ports, reconcileRollout);
