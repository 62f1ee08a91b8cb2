import { checkComponent } from '../../../core/clusters/steps/provision-cluster-steps';
import { clusterTask } from '../cluster-task';

export const main = clusterTask('checkComponent', checkComponent);
