import { runName, runNames } from '../../../../../core/operations/domain/work';

describe('runName', () => {
  it.each([
    { what: "an operation's first run is its bare id", id: 'op-1', run: 1, naming: undefined, name: 'op-1' },
    { what: "an operation's later runs say run-<n>", id: 'op-1', run: 2, naming: 'operation', name: 'op-1-run-2' },
    { what: "a rollout's run 1 keeps its number", id: 'r-1', run: 1, naming: 'rollout', name: 'r-1-1' },
    { what: "a rollout's run 3", id: 'r-1', run: 3, naming: 'rollout', name: 'r-1-3' },
  ] as const)('$what', ({ id, run, naming, name }) => {
    // Act / Assess
    expect(runName(id, run, naming)).toBe(name);
  });
});

describe('runNames', () => {
  it('names every run, oldest first', () => {
    // Act / Assess
    expect(runNames('op-1', 3)).toEqual(['op-1', 'op-1-run-2', 'op-1-run-3']);
    expect(runNames('r-1', 2, 'rollout')).toEqual(['r-1-1', 'r-1-2']);
  });
});
