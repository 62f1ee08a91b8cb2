import { failScaling } from '../../../core/scaling/steps/scale-steps';
import { task } from '../task';

export const main = task('failScaling', failScaling);
