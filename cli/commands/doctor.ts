import type { Command } from 'commander';
import type { Context } from '../context';
import { OutcomeError } from '../errors';
import type { ApiRequest } from '../http/api-client';

/** GET /doctor's answer (core/health/queries/doctor.ts), as the CLI reads it. */
export interface DoctorAnswer {
  ok: boolean;
  clusters: {
    cluster: string;
    ok: boolean;
    checks: { check: string; status: 'pass' | 'fail' | 'skip'; detail: string; fix?: string }[];
  }[];
}

export const doctorRequest = (cluster?: string): ApiRequest => ({
  method: 'GET',
  path: cluster ? `/doctor?${new URLSearchParams({ cluster })}` : '/doctor',
});

const MARK = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;

/** One line per check, `cluster  check  mark  detail`, and the fix on the line under a failure. */
export function renderDoctor(answer: DoctorAnswer): string {
  if (!answer.clusters.length) return 'no cluster to check: eksflow manages none, and no rollout or policy names one';
  return answer.clusters
    .flatMap((c) =>
      c.checks.map(
        (l) =>
          `${c.cluster}  ${MARK[l.status]}  ${l.check.padEnd(16)}  ${l.detail}${l.fix ? `\n    fix: ${l.fix}` : ''}`,
      ),
    )
    .join('\n');
}

export function doctorCommand(program: Command, ctx: Context): void {
  program
    .command('doctor')
    .description(
      'check that eksflow can act on each cluster from where its functions run (exit 0 all pass, 1 otherwise)',
    )
    .option('--cluster <name>', 'only this cluster (needs a cluster-wide read grant on it)')
    .addHelpText('after', '\nExamples:\n  $ eksflow doctor --cluster sandbox\n  $ eksflow doctor -o json')
    .action(async (o: { cluster?: string }) => {
      const answer = await ctx.api.send<DoctorAnswer>(doctorRequest(o.cluster));
      ctx.print(answer, renderDoctor);
      if (!answer.ok) throw new OutcomeError('doctor: a check failed (see its fix)');
    });
}
