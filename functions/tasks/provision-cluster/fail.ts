import { recordFailure } from '../../../core/clusters/steps/provision-cluster-steps';
import { wired } from '../../container';
import { clusterStepPortsOf } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

export const ports = wired(clusterStepPortsOf);

export const main = clusterTask('failProvisioning', ports, recordFailure);
