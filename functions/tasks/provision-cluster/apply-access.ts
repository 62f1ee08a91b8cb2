import { applyAccess } from '../../../core/clusters/steps/provision-cluster-steps';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('applyAccess', applyAccess);
