import { finishFailed } from '../../../core/clusters/steps/provision-cluster-steps';
import { wired } from '../../container';
import { operationEndPortsOf } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

export const ports = wired(operationEndPortsOf);

export const main = clusterTask('finishFailed', ports, finishFailed);
