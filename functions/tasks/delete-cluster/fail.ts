import { failDelete } from '../../../core/clusters/commands/delete-cluster';
import { wired } from '../../container';
import { operationEndPortsOf } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

export const ports = wired(operationEndPortsOf);

export const main = clusterTask('failDelete', ports, failDelete);
