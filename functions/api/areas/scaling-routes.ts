import { authorize } from '../../../core/access/authorize';
import { parseJsonBody } from '../../../core/kernel/parse';
import { createPolicy, deletePolicy, listPolicies } from '../../../core/scaling/commands/manage-policies';
import { createSchedule, deleteSchedule, listSchedules } from '../../../core/scaling/commands/manage-schedules';
import { requireScalableCluster } from '../../../core/scaling/commands/managed-only';
import { requestScale } from '../../../core/scaling/commands/start-scale';
import { getNodegroup, listNodegroups } from '../../../core/scaling/queries/nodegroup-views';
import { parseScaleRequest } from '../../../core/scaling/requests/scaling-request';
import { accessPolicy } from '../../../core/wiring/access-policy';
import { idempotencyStore } from '../../../core/wiring/dynamodb';
import { scheduleDeployer } from '../../../core/wiring/scheduler';
import { wired } from '../../container';
import { scalingPortsOf } from '../../scaling-ports';
import { areaHandler, type Routes } from '../area';
import { callerOf } from '../caller';
import { bodyText, type HttpEvent, json } from '../http';
import { idempotently } from '../idempotency';

/** Node-group scaling's ports, with the API's own: access, idempotency, and the schedules' deployer. */
export const ports = wired((w) => ({
  ...scalingPortsOf(w),
  config: w.config,
  accessPolicy: accessPolicy(w),
  idempotency: idempotencyStore(w),
  scheduleDeployer: scheduleDeployer(w),
}));

export const routes: Routes<ReturnType<typeof ports>> = {
  'GET /clusters/{name}/nodegroups': async (event, c) => {
    const cluster = event.pathParameters?.name ?? '';
    authorize(c, callerOf(event).principalArn, 'read', { cluster });
    return json(200, await listNodegroups(c, cluster));
  },

  'GET /clusters/{name}/nodegroups/{ng}': async (event, c) => {
    const target = nodegroupOf(event);
    authorize(c, callerOf(event).principalArn, 'read', { cluster: target.cluster });
    return json(200, await getNodegroup(c, target));
  },

  'POST /clusters/{name}/nodegroups/{ng}/scale': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    const { request, protectPending } = parseScaleRequest(parseJsonBody(bodyText(event)));
    await requireScalableCluster(c, principal, 'scale', target.cluster);
    // A relative change repeated is a second change: a delta is only taken with a key that makes a repeat harmless.
    const keyRequired = 'delta' in request && request.delta !== undefined;
    return idempotently(
      event,
      c,
      principal,
      async () => json(202, await requestScale(c, target, request, { protectPending, principal })),
      keyRequired ? 'a scale by delta applied twice would change the size twice' : undefined,
    );
  },

  'POST /clusters/{name}/nodegroups/{ng}/schedules': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    const body = parseJsonBody(bodyText(event));
    await requireScalableCluster(c, principal, 'create schedule', target.cluster);
    return idempotently(event, c, principal, async () => json(201, await createSchedule(c, target, body, principal)));
  },

  'GET /clusters/{name}/nodegroups/{ng}/schedules': async (event, c) => {
    const target = nodegroupOf(event);
    authorize(c, callerOf(event).principalArn, 'read', { cluster: target.cluster });
    return json(200, await listSchedules(c, target));
  },

  'DELETE /clusters/{name}/nodegroups/{ng}/schedules/{schedule}': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    return idempotently(event, c, principal, async () => {
      await deleteSchedule(c, target, event.pathParameters?.schedule ?? '');
      return json(204, undefined);
    });
  },

  'POST /clusters/{name}/nodegroups/{ng}/policies': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    const body = parseJsonBody(bodyText(event));
    await requireScalableCluster(c, principal, 'create policy', target.cluster);
    return idempotently(event, c, principal, async () => json(201, await createPolicy(c, target, body, principal)));
  },

  'GET /clusters/{name}/nodegroups/{ng}/policies': async (event, c) => {
    const target = nodegroupOf(event);
    authorize(c, callerOf(event).principalArn, 'read', { cluster: target.cluster });
    return json(200, await listPolicies(c, target));
  },

  'DELETE /clusters/{name}/nodegroups/{ng}/policies/{policy}': async (event, c) => {
    const target = nodegroupOf(event);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'scale', { cluster: target.cluster });
    return idempotently(event, c, principal, async () => {
      await deletePolicy(c, target, event.pathParameters?.policy ?? '');
      return json(204, undefined);
    });
  },
};

export const main = areaHandler(routes, ports);

/** The node group a /clusters/{name}/nodegroups/{ng}/… route names. */
function nodegroupOf(event: HttpEvent): { cluster: string; nodegroup: string } {
  return { cluster: event.pathParameters?.name ?? '', nodegroup: event.pathParameters?.ng ?? '' };
}
