/**
 * The modules a function requires on first use (`require(request)` inside a function), each packaged in a file of
 * its own beside the bundle (plugins.cjs), with the request that names it. The bench and the bundle tests read this
 * list too, to tell those files from the bundle.
 */
const path = require('node:path');

const root = path.join(__dirname, '../..');
const at = (request, file) => ({ request, module: path.join(root, file) });

const ON_FIRST_USE = [
  // client-node: about 1.2 MB minified, more than the rest of a bundle; only calls to Kubernetes need it.
  at('./client-node', 'core/adapters/kube/client-node.ts'),
  // The access policy's loader (yaml, the policy's zod schema): only the API reads the policy.
  at('../adapters/fs/access-policy-file', 'core/adapters/fs/access-policy-file.ts'),
  // The schedule-expression parser (luxon, cron-parser): in the API only the schedule routes read an expression.
  // scheduledScale imports it at the top (it reads an expression at every run), and keeps it in its bundle.
  at('../domain/schedule-expression', 'core/scaling/domain/schedule-expression.ts'),
  // The Scheduler and STS adapters with their SDK clients: only the schedule routes and doctor call them.
  at('../adapters/aws/eventbridge-scheduler', 'core/adapters/aws/eventbridge-scheduler.ts'),
  at('../adapters/aws/sts-caller-identity', 'core/adapters/aws/sts-caller-identity.ts'),
  // The ELBv2 adapter with its SDK client: only ALB canaries read a load balancer back.
  at('../adapters/aws/elbv2-load-balancers', 'core/adapters/aws/elbv2-load-balancers.ts'),
  // The API's areas (functions/api/handler.ts): each area's routes, use cases, schemas and SDK clients are required
  // on the first request for it, so the API's cold start loads its router only.
  ...['cluster-routes', 'health-routes', 'openapi-routes', 'operation-routes', 'rollout-routes', 'scaling-routes'].map(
    (area) => at(`./areas/${area}`, `functions/api/areas/${area}.ts`),
  ),
];

/** The resolve filter of a request: that request exactly. */
const requestFilter = (request) => new RegExp(`^${request.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);

module.exports = { ON_FIRST_USE, requestFilter };
