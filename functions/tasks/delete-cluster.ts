import { deleteClusterStep, failDelete } from '../../shared/use-cases/clusters/delete-cluster';
import { clusterTask } from './provision-cluster';

export const teardown = clusterTask('deleteClusterStep', deleteClusterStep);
export const fail = clusterTask('failDelete', failDelete);
