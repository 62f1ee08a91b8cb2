import type { Context } from 'aws-lambda';
import type { HttpEvent, HttpResult } from './http';

/**
 * The API's areas (functions/api/areas/), each its routes with the ports they use, required on the first request
 * for it: a cold start loads only this router. Packaged, each area is a file of its own beside the bundle
 * (deploy/esbuild/plugins.cjs ON_FIRST_USE); kept inside it, V8 would read every area's code, use cases, SDK clients
 * and schemas at every cold start (issue 17, item 7; `npm run bench`, BENCH_SECTIONS=coldstart).
 */
export const areas = {
  clusters: () => require('./areas/cluster-routes') as typeof import('./areas/cluster-routes'),
  health: () => require('./areas/health-routes') as typeof import('./areas/health-routes'),
  openapi: () => require('./areas/openapi-routes') as typeof import('./areas/openapi-routes'),
  operations: () => require('./areas/operation-routes') as typeof import('./areas/operation-routes'),
  rollouts: () => require('./areas/rollout-routes') as typeof import('./areas/rollout-routes'),
  scaling: () => require('./areas/scaling-routes') as typeof import('./areas/scaling-routes'),
};

export type Area = keyof typeof areas;

/** The area of a path's first segment (node groups aside: they are scaling's). */
const AREA_OF_SEGMENT = new Map<string, Area>([
  ['clusters', 'clusters'],
  ['doctor', 'health'],
  ['health', 'health'],
  ['openapi.json', 'openapi'],
  ['operations', 'operations'],
  ['rollouts', 'rollouts'],
]);

/** The area that answers a route key (`GET /rollouts/{id}`); tests check that it is the area that has the route. */
export function areaOf(routeKey: string): Area {
  const path = routeKey.slice(routeKey.indexOf(' ') + 1);
  if (path.includes('/nodegroups')) return 'scaling';
  // A route no area has is answered by the contract's area: a 404, after the same checks as on any route.
  return AREA_OF_SEGMENT.get(path.split('/')[1] ?? '') ?? 'openapi';
}

/** The HTTP API's one Lambda: routes by API Gateway's routeKey, through the area that has the route. */
export const main = (event: HttpEvent, context?: Context): Promise<HttpResult> =>
  areas[areaOf(event.routeKey)]().main(event, context);
