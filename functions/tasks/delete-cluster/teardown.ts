import { deleteClusterStep } from '../../../core/clusters/commands/delete-cluster';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('deleteClusterStep', deleteClusterStep);
