import { requestControlPlane } from '../../../core/clusters/steps/provision-cluster-steps';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('requestControlPlane', requestControlPlane);
