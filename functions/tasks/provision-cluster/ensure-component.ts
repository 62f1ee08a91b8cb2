import { ensureComponent } from '../../../core/clusters/steps/provision-cluster-steps';
import { clusterStepPorts } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('ensureComponent', clusterStepPorts, ensureComponent);
