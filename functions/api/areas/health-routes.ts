import { authorize, readableOnly } from '../../../core/access/authorize';
import { doctorClusters, runDoctor } from '../../../core/health/queries/doctor';
import { getHealth, getLiveness } from '../../../core/health/queries/get-health';
import { ValidationError } from '../../../core/kernel/errors';
import { accessPolicy } from '../../../core/wiring/access-policy';
import { alarmStates } from '../../../core/wiring/cloudwatch';
import { logger } from '../../../core/wiring/context';
import { doctorDepsOf } from '../../../core/wiring/deps-of';
import { rolloutStore, scalingStore } from '../../../core/wiring/dynamodb';
import { clusterApi, kubeReview } from '../../../core/wiring/eks';
import { healthChecks } from '../../../core/wiring/health';
import { endpointReach } from '../../../core/wiring/net';
import { callerIdentity } from '../../../core/wiring/sts';
import { wired } from '../../container';
import { areaHandler, type Routes } from '../area';
import { callerOf } from '../caller';
import { json } from '../http';

/** Liveness, each dependency's health, and `eksflow doctor`'s checks. */
export const ports = wired((w) => ({
  config: w.config,
  logger: logger(w),
  accessPolicy: accessPolicy(w),
  healthChecks: healthChecks(w),
  clusters: clusterApi(w),
  rollouts: rolloutStore(w),
  scaling: scalingStore(w),
  alarms: alarmStates(w),
  reach: endpointReach(w),
  identity: callerIdentity(w),
  kubeReview: kubeReview(w),
  kubeAccess: w.config.kubeAccess,
}));

export const routes: Routes<ReturnType<typeof ports>> = {
  // Open to anyone: liveness only (no AWS call, nothing about the account; see getLiveness).
  'GET /health': async () => json(200, getLiveness()),

  // Each dependency's state and error text: signed (API Gateway cannot check a signature on the open route
  // above, so the deep check is a route of its own with the IAM authorizer).
  'GET /health/deep': async (event, c) => {
    callerOf(event);
    const report = await getHealth(c.healthChecks);
    return json(report.status === 'ok' ? 200 : 503, report);
  },

  // eksflow doctor: every check on the named cluster (a cluster-wide read grant), or on each cluster eksflow acts
  // on that the caller may read cluster-wide. Always 200 with the report: a failing check is an answer, not an error.
  'GET /doctor': async (event, c) => {
    const principal = callerOf(event).principalArn;
    const named = event.queryStringParameters?.cluster;
    if (named !== undefined && !named) throw ValidationError.forField('cluster', 'must name a cluster when given');
    if (named) authorize(c, principal, 'read', { cluster: named });
    const deps = doctorDepsOf(c);
    const clusters = named
      ? [named]
      : await doctorClusters(deps, (names) =>
          readableOnly(
            c,
            principal,
            names.map((cluster) => ({ cluster })),
          ).map((r) => r.cluster),
        );
    return json(200, await runDoctor(deps, clusters));
  },
};

export const main = areaHandler(routes, ports);
