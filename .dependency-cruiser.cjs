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
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-imports-no-edge',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(functions|local|tools|cli|ui|tests|bench)/' },
    },
    {
      name: 'kernel-knows-no-area',
      severity: 'error',
      from: { path: '^core/kernel/' },
      to: { path: '^core/', pathNot: '^core/kernel/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      from: { path: '^core/[^/]+/domain/' },
      to: { path: '^core/', pathNot: '^core/([^/]+/domain|kernel)/' },
    },
    {
      name: 'areas-not-adapters',
      severity: 'error',
      from: { path: '^core/(?!adapters/|composition-root|wiring/)' },
      to: { path: '^core/(adapters/|composition-root|wiring/)' },
    },
    {
      name: 'functions-wire-their-own',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^core/composition-root' },
    },
    {
      name: 'handlers-not-sandbox',
      severity: 'error',
      from: { path: '^(functions|cli)/' },
      to: { path: '^(local|tools|tests|bench)/' },
    },
    {
      name: 'no-agpl-in-bundles',
      severity: 'error',
      from: { path: '^(functions|core)/' },
      to: { path: '(^|/)@cloud-copilot/iam-simulate(/|$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(\\.cache|\\.serverless|ui/dist|\\.esbuild)/' },
  },
};
