import { completeScaling } from '../../../core/scaling/steps/scale-steps';
import { task } from '../task';
import { scalingPorts } from './ports';

export const main = task('completeScaling', scalingPorts, completeScaling);
