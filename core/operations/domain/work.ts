/**
 * What the operations kernel knows of any long work, whatever its area: its run names. Execution names are looked
 * up by in-flight runs and the sweeps, so both stored schemes are kept byte for byte.
 */

/** `operation`: cluster and scaling operations, `<id>` then `<id>-run-<n>`. `rollout`: `<id>-<n>`. */
export type RunNaming = 'operation' | 'rollout';

/** The execution name of run `run` (1 is the first) of the work `id`. */
export function runName(id: string, run: number, naming: RunNaming = 'operation'): string {
  if (naming === 'rollout') return `${id}-${run}`;
  return run === 1 ? id : `${id}-run-${run}`;
}

/** The execution names of runs 1 to `runs`, oldest first. */
export function runNames(id: string, runs: number, naming: RunNaming = 'operation'): string[] {
  return Array.from({ length: runs }, (_, i) => runName(id, i + 1, naming));
}
