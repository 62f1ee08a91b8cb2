import { buildContainer } from '../../../../core/composition-root';
import { loadConfig } from '../../../../core/config';
import { createLogger } from '../../../../core/kernel/logger';
import { logger } from '../../../../core/wiring/context';
import { useContainer, wired } from '../../../../functions/container';
import { task } from '../../../../functions/tasks/task';

describe('task wrapper', () => {
  /** A task's own wiring; the test installs a container in its place, as the sandbox does. */
  const ports = wired((w) => ({ logger: logger(w) }));
  afterEach(() => useContainer(undefined));

  function capturedContainer() {
    const lines: Record<string, any>[] = [];
    const logger = createLogger('debug', {}, (line) => void lines.push(JSON.parse(line)));
    useContainer(buildContainer(loadConfig({ AWS_REGION: 'us-east-1', EKSFLOW_METRICS: 'off' }), { logger }));
    return lines;
  }

  it("puts the rollout's id and Lambda's request id on every line the use case logs", async () => {
    // Prepare
    const lines = capturedContainer();
    const step = task('reconcileRollout', ports, async (c, input: { rolloutId: string }) => {
      c.logger.info('inside the use case', { rollout: input.rolloutId });
      return 'ok';
    });

    // Act
    await step({ rolloutId: 'r-7' }, { awsRequestId: 'req-1' } as never);

    // Assess
    expect(lines.map((l) => [l.message, l.correlation_id, l.function_request_id])).toEqual([
      ['inside the use case', 'r-7', 'req-1'],
      ['task done', 'r-7', 'req-1'],
    ]);
  });

  it("uses the operation's id for provisioning tasks, and logs a failure with it before rethrowing", async () => {
    // Prepare
    const lines = capturedContainer();
    const step = task('applyBaseline', ports, async () => {
      throw Object.assign(new Error('no route'), { name: 'TransientError' });
    });

    // Act
    const run = step({ operationId: 'op-9' });

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'TransientError' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'task failed',
        correlation_id: 'op-9',
        error: expect.objectContaining({ name: 'TransientError', message: 'no route' }),
      }),
    ]);
  });
});
