import { authorize, readableOnly } from '../../../core/access/authorize';
import { startDeleteCluster } from '../../../core/clusters/commands/delete-cluster';
import { startProvisionCluster } from '../../../core/clusters/commands/provision-cluster';
import { getCluster, listClusters } from '../../../core/clusters/queries/get-clusters';
import { parseClusterSpec } from '../../../core/clusters/requests/cluster-spec';
import { ValidationError } from '../../../core/kernel/errors';
import { parseJsonBody } from '../../../core/kernel/parse';
import { clusterDepsOf } from '../../../core/wiring/deps-of';
import { wired } from '../../container';
import { areaHandler, type Routes } from '../area';
import { callerOf } from '../caller';
import { bodyText, type HttpEvent, json } from '../http';
import { idempotently } from '../idempotency';
import { clusterPortsOf } from './cluster-ports';

export const ports = wired(clusterPortsOf);

export const routes: Routes<ReturnType<typeof ports>> = {
  'POST /clusters': async (event, c) => {
    const body = parseJsonBody(bodyText(event));
    const spec = parseClusterSpec(body, c.config.clusterDefaults);
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'cluster', { cluster: spec.name });
    const dryRun = flag(event, 'dryRun');
    return idempotently(event, c, principal, async () => {
      const answer = await startProvisionCluster(clusterDepsOf(c), body, { dryRun });
      return json(answer.status, answer.body);
    });
  },

  'GET /clusters': async (event, c) => {
    const principal = callerOf(event).principalArn;
    const readable = (names: string[]) =>
      readableOnly(
        c,
        principal,
        names.map((cluster) => ({ cluster })),
      ).map((r) => r.cluster);
    return json(200, await listClusters(c, readable));
  },

  'GET /clusters/{name}': async (event, c) => {
    const name = event.pathParameters?.name ?? '';
    authorize(c, callerOf(event).principalArn, 'read', { cluster: name });
    return json(200, await getCluster(c, name));
  },

  'DELETE /clusters/{name}': async (event, c) => {
    const name = event.pathParameters?.name ?? '';
    const principal = callerOf(event).principalArn;
    authorize(c, principal, 'cluster', { cluster: name });
    const options = { force: flag(event, 'force'), dryRun: flag(event, 'dryRun') };
    return idempotently(event, c, principal, async () => {
      const answer = await startDeleteCluster(clusterDepsOf(c), name, options);
      return json(answer.status, answer.body);
    });
  },
};

export const main = areaHandler(routes, ports);

/** A boolean query flag (`?dryRun=true`): only "true" and "false"; anything else is a 400 naming it. */
function flag(event: HttpEvent, name: string): boolean {
  const value = event.queryStringParameters?.[name];
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw ValidationError.forField(name, 'must be true or false');
}
