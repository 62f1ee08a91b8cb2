/**
 * The rollout task as it would be deployed with Powertools Tracer (X-Ray): what it costs at cold start is
 * measured against the same function without it (bench/cold-start.ts). Not deployed: see README "Bench".
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export { main } from '../functions/tasks/rollout/reconcile';

/** Built at module load, as a traced function builds it (it patches the HTTP modules for outgoing calls). */
export const tracer = new Tracer({ serviceName: 'eksflow' });
