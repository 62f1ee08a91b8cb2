import path from 'node:path';
import { type Area, areas } from '../../../functions/api/handler';
import { useContainer } from '../../../functions/container';
import { readServerlessManifest } from '../../../local/serverless-manifest';

const ROOT = path.resolve(__dirname, '../../..');

type Entry = { ports: () => Record<string, unknown> };

/** Each function's entry module; the API's wiring is its areas' (each wires the ports of its own routes). */
const entries = readServerlessManifest(ROOT).functions.flatMap(({ name, handler }) =>
  name === 'api'
    ? (Object.keys(areas) as Area[]).map((area) => [`api (${area})`, (): Entry => areas[area]()] as const)
    : [[name, (): Entry => require(path.join(ROOT, handler.slice(0, handler.lastIndexOf('.'))))] as const],
);

/** Ports a function may leave unset: eksflow's roles to grant are a deploy parameter (unset here, as in the sandbox). */
const OPTIONAL = new Set(['kubeAccess']);

// The sandbox and the flow tests install a container with every port, so no flow test runs a function's own
// wiring: this is what builds it, from the environment, as a cold start would (issue 17, item 7).
describe("each function's own wiring", () => {
  afterEach(() => useContainer(undefined));

  it.each(entries)('%s builds its ports from the environment, once per cold start', (_name, load) => {
    // Prepare
    useContainer(undefined);
    const entry = load();

    // Act
    const ports = entry.ports();

    // Assess
    const unset = Object.entries(ports).filter(([key, value]) => value === undefined && !OPTIONAL.has(key));
    expect(unset).toEqual([]);
    expect(Object.keys(ports)).toEqual(expect.arrayContaining(['logger']));
    expect(entry.ports()).toBe(ports);
  });
});
