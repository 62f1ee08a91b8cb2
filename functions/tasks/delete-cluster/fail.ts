import { failDelete } from '../../../core/clusters/commands/delete-cluster';
import { operationEndPorts } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('failDelete', operationEndPorts, failDelete);
