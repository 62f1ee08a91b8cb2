import { completeScaling } from '../../../core/scaling/steps/scale-steps';
import { wired } from '../../container';
import { scalingPortsOf } from '../../scaling-ports';
import { task } from '../task';

export const ports = wired(scalingPortsOf);

export const main = task('completeScaling', ports, completeScaling);
