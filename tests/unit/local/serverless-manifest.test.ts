import path from 'node:path';
import { FUNCTIONS } from '../../../deploy/functions';
import { PUBLIC_ROUTES } from '../../../functions/api/caller';
import { loadHandler, readServerlessManifest } from '../../../local/serverless-manifest';
import { implementedRoutes } from '../../helpers/api-routes';

const root = path.resolve(__dirname, '../../..');

describe('readServerlessManifest on the repository', () => {
  const manifest = readServerlessManifest(root);
  const fn = (name: string) => {
    const found = manifest.functions.find((f) => f.name === name);
    if (!found) throw new Error(`serverless.yml has no function ${name}`);
    return found;
  };

  it('reads the api function with its routes', () => {
    // Act
    const api = fn('api');

    // Assess
    expect(api.handler).toBe('functions/api/handler.main');
    expect(api.httpRoutes).toEqual(expect.arrayContaining(['GET /health', 'POST /clusters', 'GET /operations/{id}']));
  });

  it('takes every function of the table (deploy/functions.ts), with its handler and VPC placement', () => {
    // Act
    const read = manifest.functions.map((f) => [f.name, f.handler, f.inVpc]);

    // Assess
    expect(read).toEqual(Object.entries(FUNCTIONS).map(([name, spec]) => [name, spec.handler, spec.vpc === true]));
  });

  it('reads no routes for an event function (its rules are read from the packaged template)', () => {
    // Act / Assess
    expect(fn('alarmStateChange').httpRoutes).toEqual([]);
  });

  it('maps the provisionCluster state machine to workflows/provision-cluster.asl.json', () => {
    // Act / Assess
    expect(manifest.stateMachines.provisionCluster).toEqual({ workflow: 'provision-cluster' });
    expect(manifest.root).toBe(root);
  });

  it('declares no HTTP route twice', () => {
    // Prepare
    const all = manifest.functions.flatMap((f) => f.httpRoutes);

    // Act / Assess
    expect(new Set(all).size).toBe(all.length);
  });

  it('has a handler in an area of functions/api/areas/ for every route in serverless.yml, and a route for every handler', () => {
    // Prepare
    const declared = manifest.functions.flatMap((f) => f.httpRoutes).sort();

    // Act
    const implemented = implementedRoutes()
      .map((r) => r.routeKey)
      .sort();

    // Assess
    expect(declared).toEqual(implemented);
  });

  it('gives every route IAM authorization except the public ones the handler lets through unsigned', () => {
    // Prepare
    const declared = manifest.functions.flatMap((f) => f.httpRoutes);

    // Act
    const iam = new Set(manifest.functions.flatMap((f) => f.iamRoutes));

    // Assess
    expect(declared.filter((r) => !iam.has(r)).sort()).toEqual([...PUBLIC_ROUTES].sort());
    expect(iam.has('POST /rollouts')).toBe(true);
  });

  it.each(readServerlessManifest(root).functions.map((f) => [f.name, f] as const))(
    'function %s names an exported handler that exists',
    (_name, f) => {
      // Act
      const handler = loadHandler(manifest, f);

      // Assess
      expect(typeof handler).toBe('function');
    },
  );
});
