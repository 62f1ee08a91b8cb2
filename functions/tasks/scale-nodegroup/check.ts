import { checkScaling } from '../../../core/scaling/steps/scale-steps';
import { task } from '../task';
import { wired } from '../../container';
import { scalingPortsOf } from '../../scaling-ports';

export const ports = wired(scalingPortsOf);

export const main = task('checkScaling', ports, checkScaling);
