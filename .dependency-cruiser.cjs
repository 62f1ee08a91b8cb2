/**
 * The import rules (`npm run lint:deps`, run in CI):
 * - no import circles;
 * - the core (`core/`) imports nothing from the edges: not the handlers (`functions/`), the sandbox (`local/`),
 *   the tools, the CLI, the dashboard or the tests;
 * - inside the core: the kernel (`core/kernel/`) knows no area; an area's `domain/` imports only domains and the
 *   kernel; no area imports an adapter, the composition root or the wiring (only core/wiring/ builds adapters,
 *   and the composition root composes it);
 * - each handler wires only the ports it uses (core/wiring/ factories, functions/container.ts `wired`): nothing in
 *   `functions/` imports the composition root, which wires every port and so bundles every SDK client;
 * - handlers and the CLI do not reach into the sandbox or the tools;
 * - the AGPL-licensed IAM evaluator (`@cloud-copilot/iam-simulate`) is never imported by anything bundled into a
 *   Lambda (`functions/`, `core/`): it serves the sandbox, the tests and the IAM lint only.
 */
/** Every rule is an error: `name` forbids imports from paths matching `from` to paths matching `to` (but not `toNot`). */
const forbid = (name, from, to, toNot) => ({
  name,
  severity: 'error',
  from: { path: from },
  to: toNot ? { path: to, pathNot: toNot } : { path: to },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    forbid('core-imports-no-edge', '^core/', '^(functions|local|tools|cli|ui|tests|bench)/'),
    forbid('kernel-knows-no-area', '^core/kernel/', '^core/', '^core/kernel/'),
    forbid('domain-is-pure', '^core/[^/]+/domain/', '^core/', '^core/([^/]+/domain|kernel)/'),
    forbid(
      'areas-not-adapters',
      '^core/(?!adapters/|composition-root|wiring/)',
      '^core/(adapters/|composition-root|wiring/)',
    ),
    forbid('functions-wire-their-own', '^functions/', '^core/composition-root'),
    forbid('handlers-not-sandbox', '^(functions|cli)/', '^(local|tools|tests|bench)/'),
    forbid('no-agpl-in-bundles', '^(functions|core)/', '(^|/)@cloud-copilot/iam-simulate(/|$)'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(\\.cache|\\.serverless|ui/dist|\\.esbuild)/' },
  },
};
