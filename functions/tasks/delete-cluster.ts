import { deleteClusterStep, failDelete } from '../../core/clusters/commands/delete-cluster';
import { clusterTask } from './provision-cluster';

export const teardown = clusterTask('deleteClusterStep', deleteClusterStep);
export const fail = clusterTask('failDelete', failDelete);
