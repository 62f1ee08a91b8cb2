import { deleteClusterStep } from '../../../core/clusters/commands/delete-cluster';
import { eventPublisher } from '../../../core/wiring/eventbridge';
import { wired } from '../../container';
import { clusterStepPortsOf } from '../cluster-step-ports';
import { clusterTask } from '../cluster-task';

/** The teardown's last pass publishes the deletion's end. */
export const ports = wired((w) => ({ ...clusterStepPortsOf(w), events: eventPublisher(w) }));

export const main = clusterTask('deleteClusterStep', ports, deleteClusterStep);
