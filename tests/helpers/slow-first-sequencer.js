/**
 * Jest's sequencer, with the slowest integration files first: with two workers, a long file started last would
 * run alone at the end. Jest orders by the durations it cached on earlier runs, but a clean CI clone has none, so
 * the slow ones are named here (CI seconds, slowest first); everything else keeps Jest's order after them.
 */
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');

const SLOWEST = [
  'chaos-cluster-steps',
  'chaos-cluster-faults',
  'cluster-lifecycle',
  'chaos-cluster-crash',
  'chaos-crash',
  'alarm-storm',
  'sandbox-clusters',
  'chaos-scaling',
  'rollout-canary',
]
  .map((name) => path.join('tests', 'integration', `${name}.test.ts`))
  // Its stage/region case packages the stack once more (about 20 s).
  .concat(path.join('tests', 'package', 'package.test.ts'));

const rank = (test) => {
  const index = SLOWEST.findIndex((file) => test.path.endsWith(file));
  return index === -1 ? SLOWEST.length : index;
};

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    // Array.prototype.sort is stable: files not named keep Jest's order.
    return [...ordered].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
