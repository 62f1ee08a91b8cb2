import { failRollout } from '../../../core/rollouts/commands/fail-rollout';
import { task } from '../task';

export const main = task('failRollout', failRollout);
