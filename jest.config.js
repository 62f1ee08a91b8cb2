/** Jest: TypeScript through @swc/jest; ESM-only packages (client-node and its deps) are transformed too. */
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'hpagent'].join('|');

const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages})/)`],
  setupFiles: ['<rootDir>/tests/helpers/setup-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Three workers on CI's 2 cores (Jest's default there is one), each with its own integration stack
  // (global-setup.ts): with two, the machine idled ~15% of the run while a worker waited on its stack (a pod, a
  // workflow's next state); the third fills that time. Same machine, one run each: 544 s with two, 491 s with three.
  maxWorkers: 3,
  testSequencer: '<rootDir>/tests/helpers/slow-first-sequencer.js',
  projects: [
    // Fast: pure logic, adapters against mocked SDK clients, workflows on the local engine with fake tasks.
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/tests/unit', '<rootDir>/tests/workflows'],
      testMatch: ['**/*.test.ts'],
    },
    // The deployable artifact (packaged-artifact.ts's one package): needs no stack, so it runs while they start.
    {
      ...common,
      displayName: 'package',
      roots: ['<rootDir>/tests/package'],
      testMatch: ['**/*.test.ts'],
    },
    // Against the real local stack (moto server + Kubernetes control plane), one per worker, started once per run.
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/tests/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/tests/helpers/global-teardown.ts',
    },
  ],
};
