import type { Context } from 'aws-lambda';
import type { Container } from '../../core/composition-root';
import { container } from '../container';
import { correlationIdOf, forInvocation } from '../invocation';

/**
 * A Step Functions task: input in, result out. Errors are thrown as they are, so their `name` is the
 * error type the workflow's Retry/Catch match. Every line it logs carries the rollout's or operation's id.
 */
export function task<I, O>(name: string, run: (c: Container, input: I) => Promise<O>) {
  return async (input: I, context?: Context): Promise<O> => {
    const c = forInvocation(container(), correlationIdOf(input), context);
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
