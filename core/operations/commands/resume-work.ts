import { errorMessage } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';
import { type HeldLock, leasePassed, type RunNaming, runName, type WorkHeader } from '../domain/work';
import type { ExecutionState, WorkflowName, WorkflowStarter } from '../ports/workflows';

/**
 * One kind of long work, as the one resume sweep drives it. Each area plugs in how its work is read, named and
 * resumed; the sweep owns the loop and the rule (running: leave; gone: resume, after the grace where it applies).
 */
export interface WorkKind<W, L extends HeldLock = HeldLock> {
  /** Log text, e.g. 'a cluster operation'. */
  label: string;
  naming: RunNaming;
  workflow(work: W): WorkflowName;
  /** The held locks of this kind (the lock index is eventually consistent: each holder is re-read). */
  locks(): Promise<L[]>;
  /** The lock's holder, read again; undefined when it does not exist (or is not of this kind). */
  read(lock: L): Promise<W | undefined>;
  header(work: W): WorkHeader;
  /** When the quiet time starts, for the grace: e.g. the record's `updatedAt`, or the lock's `since`. */
  quietSince(lock: L, work: W): string | undefined;
  graceSeconds: number;
  /**
   * Run states that must wait out the grace too. NOT_FOUND always should: the run may be starting right now
   * (the work is recorded before its run starts).
   */
  graceOn: readonly ExecutionState[];
  /** Records run + 1 (refusing when another caller moved it on) and starts it under runName(id, run + 1). */
  resume(work: W, lock: L): Promise<void>;
  /**
   * Breaks a lock whose holder has ended, or is missing once the lease has passed (holder-conditional).
   * Absent: this kind's locks are released by the transition that ends the work, and there is nothing to break.
   */
  breakLock?(lock: L): Promise<void>;
}

export interface WorkSweepOutcome {
  /** Running work looked at. */
  checked: number;
  /** Its run was gone: a new run resumes each. */
  resumed: string[];
  /** Holders of the locks broken. */
  released: string[];
}

export type RunDecision = 'running' | 'wait' | 'resume';

/** One work item's run decision: its run is live, it is too early to tell, or it needs a new run. */
export function runDecision(
  state: ExecutionState,
  quietLongEnough: boolean,
  graceOn: readonly ExecutionState[],
): RunDecision {
  if (state === 'RUNNING') return 'running';
  if (graceOn.includes(state) && !quietLongEnough) return 'wait';
  return 'resume';
}

/**
 * The sweep's safety net for any kind of long work: a holder of a lock that still runs but whose workflow run is
 * gone (a crashed runtime, a lost execution) gets a new run, which picks up where its idempotent steps left off;
 * a lock whose holder ended or never got recorded is broken where the kind has locks to break. One item that fails
 * is logged and left for the next sweep: it does not stop the others. Sequential, to stay gentle on the APIs.
 */
export async function resumeAbandonedWork<W, L extends HeldLock>(
  deps: { workflows: WorkflowStarter; logger: Logger; now: () => Date },
  kind: WorkKind<W, L>,
): Promise<WorkSweepOutcome> {
  const outcome: WorkSweepOutcome = { checked: 0, resumed: [], released: [] };
  for (const lock of await kind.locks()) {
    try {
      const now = deps.now();
      const work = await kind.read(lock);
      const header = work && kind.header(work);
      if (!work || !header?.running) {
        const breakable = header || leasePassed(lock.since, now, kind.graceSeconds);
        if (kind.breakLock && breakable) {
          await kind.breakLock(lock);
          outcome.released.push(lock.holder);
        }
        continue;
      }
      outcome.checked++;
      const state = await deps.workflows.status(kind.workflow(work), runName(header.id, header.run, kind.naming));
      const quiet = leasePassed(kind.quietSince(lock, work), now, kind.graceSeconds);
      if (runDecision(state, quiet, kind.graceOn) !== 'resume') continue;
      await kind.resume(work, lock);
      outcome.resumed.push(header.id);
    } catch (error) {
      deps.logger.warn(`could not resume ${kind.label}`, {
        lock: lock.key,
        holder: lock.holder,
        error: errorMessage(error),
      });
    }
  }
  return outcome;
}
