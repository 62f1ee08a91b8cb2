import { failRollout } from '../../../core/rollouts/commands/fail-rollout';
import { task } from '../task';
import { rolloutPorts } from './ports';

export const main = task('failRollout', rolloutPorts, failRollout);
