import { failDelete } from '../../../core/clusters/commands/delete-cluster';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('failDelete', failDelete);
