import { failScaling } from '../../../core/scaling/steps/scale-steps';
import { task } from '../task';
import { scalingPorts } from './ports';

export const main = task('failScaling', scalingPorts, failScaling);
