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

/** What the kernel knows of any long work (a cluster or scaling operation, a rollout): built by one adapter per kind. */
export interface WorkHeader {
  kind: string;
  id: string;
  /** The latest run (1 is the first). */
  run: number;
  /** Still to be driven by a run: the lock it holds is not released yet. */
  running: boolean;
  updatedAt: string;
}

/** A held lock as a sweep sees it: its key, the work holding it, and since when (absent on items written before). */
export interface HeldLock {
  key: string;
  holder: string;
  since?: string;
}

/**
 * The lease: a lock (or a record quiet) since `since` may be acted on by the sweep once `graceSeconds` have passed
 * at `now`. A lock without `since` (written before leases) has always passed.
 */
export function leasePassed(since: string | undefined, now: Date, graceSeconds: number): boolean {
  if (since === undefined) return true;
  return now.getTime() - Date.parse(since) >= graceSeconds * 1000;
}
