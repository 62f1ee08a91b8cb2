import { wired } from '../../container';
import { scalingPortsOf } from '../../scaling-ports';

export const scalingPorts = wired(scalingPortsOf);
