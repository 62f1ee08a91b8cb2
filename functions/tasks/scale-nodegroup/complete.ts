import { completeScaling } from '../../../core/scaling/steps/scale-steps';
import { task } from '../task';

export const main = task('completeScaling', completeScaling);
