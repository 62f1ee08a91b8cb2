import * as steps from '../../core/scaling/steps/scale-steps';
import { task } from './task';

export const applyScaling = task('applyScaling', steps.applyScaling);
export const checkScaling = task('checkScaling', steps.checkScaling);
export const completeScaling = task('completeScaling', steps.completeScaling);
export const failScaling = task('failScaling', steps.failScaling);
