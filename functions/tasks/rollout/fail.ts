import { failRollout } from '../../../core/rollouts/commands/fail-rollout';
import { wired } from '../../container';
import { task } from '../task';
import { rolloutPortsOf } from './ports';

export const ports = wired(rolloutPortsOf);

export const main = task('failRollout', ports, failRollout);
