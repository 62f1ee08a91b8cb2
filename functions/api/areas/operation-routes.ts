import { authorize } from '../../../core/access/authorize';
import { retryOperation } from '../../../core/clusters/commands/retry-operation';
import { operationView, readableOperation } from '../../../core/operations/queries/get-operation';
import { clusterDepsOf } from '../../../core/wiring/deps-of';
import { wired } from '../../container';
import { areaHandler, type Routes } from '../area';
import { callerOf } from '../caller';
import { json } from '../http';
import { idempotently } from '../idempotency';
import { clusterPortsOf } from './cluster-ports';

export const ports = wired(clusterPortsOf);

export const routes: Routes<ReturnType<typeof ports>> = {
  'POST /operations/{id}/retry': async (event, c) => {
    const id = event.pathParameters?.id ?? '';
    const principal = callerOf(event).principalArn;
    const operation = await readableOperation(c, principal, id);
    authorize(c, principal, 'cluster', { cluster: operation.cluster });
    return idempotently(event, c, principal, async () => json(202, await retryOperation(clusterDepsOf(c), id)));
  },

  // The record is read and the caller allowed before the workflow's history is paged (that costs AWS calls).
  'GET /operations/{id}': async (event, c) => {
    const operation = await readableOperation(c, callerOf(event).principalArn, event.pathParameters?.id ?? '');
    return json(200, await operationView(operation, c.workflows));
  },
};

export const main = areaHandler(routes, ports);
