import { resumeAbandonedWork, runDecision, type WorkKind } from '../../../../../core/operations/commands/resume-work';
import type { HeldLock, WorkHeader } from '../../../../../core/operations/domain/work';
import type { ExecutionState } from '../../../../../core/operations/ports/workflows';
import { FakeWorkflowStarter, fixedClock } from '../../../../helpers/fakes';

describe('runDecision', () => {
  const none: ExecutionState[] = [];
  it.each([
    { state: 'RUNNING', quiet: false, graceOn: ['NOT_FOUND'], decision: 'running' },
    { state: 'RUNNING', quiet: true, graceOn: none, decision: 'running' },
    { state: 'NOT_FOUND', quiet: false, graceOn: ['NOT_FOUND'], decision: 'wait' },
    { state: 'NOT_FOUND', quiet: true, graceOn: ['NOT_FOUND'], decision: 'resume' },
    { state: 'ENDED', quiet: false, graceOn: ['NOT_FOUND'], decision: 'resume' },
    { state: 'ENDED', quiet: false, graceOn: ['NOT_FOUND', 'ENDED'], decision: 'wait' },
    { state: 'ENDED', quiet: true, graceOn: ['NOT_FOUND', 'ENDED'], decision: 'resume' },
    { state: 'NOT_FOUND', quiet: false, graceOn: none, decision: 'resume' },
  ] as const)(
    '$state, quiet long enough: $quiet, grace on $graceOn → $decision',
    ({ state, quiet, graceOn, decision }) => {
      // Act / Assess
      expect(runDecision(state, quiet, graceOn)).toBe(decision);
    },
  );
});

interface Job {
  id: string;
  run: number;
  running: boolean;
  at: string;
}

const T0 = '2026-01-01T00:00:00.000Z';

/** A kind of work over a map of jobs, one lock per job (missing jobs keep their lock). */
function world(jobs: Job[], locks: HeldLock[]) {
  const workflows = new FakeWorkflowStarter();
  const clock = fixedClock(T0);
  const warnings: unknown[][] = [];
  const broken: string[] = [];
  const resumedRuns: string[] = [];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const kind: WorkKind<Job> = {
    label: 'a job',
    naming: 'operation',
    workflow: () => 'scale-nodegroup',
    locks: async () => locks,
    read: async (lock) => {
      if (lock.holder === 'unreadable') throw new Error('read failed');
      return byId.get(lock.holder);
    },
    header: (job): WorkHeader => ({ kind: 'Job', id: job.id, run: job.run, running: job.running, updatedAt: job.at }),
    quietSince: (_lock, job) => job.at,
    graceSeconds: 30,
    graceOn: ['NOT_FOUND'],
    resume: async (job) => {
      resumedRuns.push(`${job.id} run ${job.run + 1}`);
    },
    breakLock: async (lock) => {
      broken.push(lock.key);
    },
  };
  const deps = {
    workflows,
    now: clock.now,
    logger: { warn: (...args: unknown[]) => warnings.push(args) } as never,
  };
  return { deps, kind, workflows, clock, warnings, broken, resumedRuns };
}

describe('resumeAbandonedWork', () => {
  it('resumes work whose run ended, leaves running work, and logs an item that fails without stopping the next', async () => {
    // Prepare
    const jobs = [
      { id: 'gone', run: 2, running: true, at: T0 },
      { id: 'live', run: 1, running: true, at: T0 },
    ];
    const locks = [
      { key: 'k/unreadable', holder: 'unreadable' },
      { key: 'k/gone', holder: 'gone' },
      { key: 'k/live', holder: 'live' },
    ];
    const w = world(jobs, locks);
    await w.workflows.start('scale-nodegroup', 'gone-run-2', {});
    w.workflows.end('gone-run-2');
    await w.workflows.start('scale-nodegroup', 'live', {});

    // Act
    const outcome = await resumeAbandonedWork(w.deps, w.kind);

    // Assess
    expect(outcome).toEqual({ checked: 2, resumed: ['gone'], released: [] });
    expect(w.resumedRuns).toEqual(['gone run 3']);
    expect(w.warnings).toEqual([
      ['could not resume a job', { lock: 'k/unreadable', holder: 'unreadable', error: 'read failed' }],
    ]);
  });

  it('waits out the grace for a run never found, then resumes it', async () => {
    // Prepare
    const w = world([{ id: 'new', run: 1, running: true, at: T0 }], [{ key: 'k/new', holder: 'new' }]);

    // Act
    const early = await resumeAbandonedWork(w.deps, w.kind);
    w.clock.advance(30_000);
    const late = await resumeAbandonedWork(w.deps, w.kind);

    // Assess
    expect(early.resumed).toEqual([]);
    expect(late.resumed).toEqual(['new']);
  });

  it('breaks the lock of ended work at once, and of missing work only once its lease has passed', async () => {
    // Prepare
    const w = world(
      [{ id: 'done', run: 1, running: false, at: T0 }],
      [
        { key: 'k/done', holder: 'done', since: T0 },
        { key: 'k/missing', holder: 'missing', since: T0 },
      ],
    );

    // Act
    const early = await resumeAbandonedWork(w.deps, w.kind);
    w.clock.advance(30_000);
    const late = await resumeAbandonedWork(w.deps, w.kind);

    // Assess
    expect(early.released).toEqual(['done']);
    expect(late.released).toEqual(['done', 'missing']);
    expect(w.broken).toEqual(['k/done', 'k/done', 'k/missing']);
  });
});
