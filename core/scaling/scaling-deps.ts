import type { AlarmStates, VerifiedAlarmChanges } from '../alarms/ports/alarms';
import type { ClusterApi } from '../clusters/ports/cluster-api';
import type { Logger } from '../kernel/logger';
import type { EventPublisher } from '../kernel/ports/events';
import type { OperationStore } from '../operations/ports/operation-store';
import type { WorkflowStarter } from '../operations/ports/workflows';
import type { NodegroupApi, NodegroupPods } from './ports/nodegroups';
import type { ScalingStore } from './ports/scaling-store';
import type { ScheduleDeployer } from './ports/schedule-deployer';

/** What node-group scaling talks to. */
export interface ScalingDeps {
  clusters: ClusterApi;
  nodegroups: NodegroupApi;
  nodegroupPods: NodegroupPods;
  scaling: ScalingStore;
  operations: OperationStore;
  workflows: WorkflowStarter;
  alarms: AlarmStates;
  verifiedChanges: VerifiedAlarmChanges;
  /** Operation transitions on the bus (source `eksflow`, detail-type `Operation <status>`). */
  events: EventPublisher;
  logger: Logger;
  now: () => Date;
  newId?: () => string;
}

/** Schedules' own use cases (the API) also deploy them to EventBridge Scheduler. */
export type ScheduleDeps = ScalingDeps & { scheduleDeployer: ScheduleDeployer };
