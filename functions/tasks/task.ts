import type { Context } from 'aws-lambda';
import type { Logger } from '../../core/kernel/logger';
import { correlationIdOf, forInvocation } from '../invocation';

/**
 * A Step Functions task: input in, result out. Errors are thrown as they are, so their `name` is the
 * error type the workflow's Retry/Catch match. Every line it logs carries the rollout's or operation's id.
 * `deps`: the function's own wiring (functions/container.ts `wired`).
 */
export function task<D extends { logger: Logger }, I, O>(
  name: string,
  deps: () => D,
  run: (deps: D, input: I) => Promise<O>,
) {
  return async (input: I, context?: Context): Promise<O> => {
    const c = forInvocation(deps(), correlationIdOf(input), context);
    const started = Date.now();
    try {
      const output = await run(c, input);
      c.logger.debug('task done', { task: name, ms: Date.now() - started });
      return output;
    } catch (error) {
      c.logger.warn('task failed', { task: name, ms: Date.now() - started, error });
      throw error;
    }
  };
}
