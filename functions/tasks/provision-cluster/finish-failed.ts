import { finishFailed } from '../../../core/clusters/steps/provision-cluster-steps';
import { operationEndPorts } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('finishFailed', operationEndPorts, finishFailed);
