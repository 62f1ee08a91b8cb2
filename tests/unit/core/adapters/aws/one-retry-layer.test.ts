import { Readable } from 'node:stream';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { HttpResponse } from '@smithy/protocol-http';
import { AWS_CALL_RETRY } from '../../../../../core/adapters/aws/aws-call';
import { CloudWatchAlarmStates } from '../../../../../core/adapters/aws/cloudwatch-alarm-states';
import { ThrottledError } from '../../../../../core/kernel/errors';
import { awsClientConfig } from '../../../../../core/wiring/context';

/**
 * One throttled AWS call must be retried by one layer only (core/kernel/retry.ts, "Who retries what"): the SDK
 * client below is the real one, built as the composition root builds it; only its HTTP handler is fake, and
 * it answers every request with CloudWatch's throttling error and counts them.
 */
function throttlingEndpoint() {
  const requests: string[] = [];
  const requestHandler = {
    handle: async (request: { headers: Record<string, string> }) => {
      requests.push(request.headers['x-amz-target'] ?? 'unknown');
      const body = JSON.stringify({ __type: 'com.amazonaws.monitoring#ThrottlingException', message: 'Rate exceeded' });
      return {
        response: new HttpResponse({
          statusCode: 400,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'Throttling;Sender' },
          body: Readable.from([Buffer.from(body)]),
        }),
      };
    },
  };
  return { requests, requestHandler };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** Reads one alarm's state through the adapter, running every backoff pause at once. */
async function readAlarm(client: CloudWatchClient): Promise<unknown> {
  let settled = false;
  const read = new CloudWatchAlarmStates(client)
    .states(['guard'])
    .catch((error: unknown) => error)
    .finally(() => {
      settled = true;
    });
  // A pause is only scheduled once the previous request has been answered: move the clock until it is done,
  // yielding a real turn of the event loop each time so the SDK's stream work (real ticks) can answer first.
  for (let step = 0; !settled && step < 10_000; step++) {
    await jest.advanceTimersByTimeAsync(1000);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return read;
}

describe('one retry layer per AWS call', () => {
  // Only the clock is fake (the backoff pauses); ticks and immediates stay real, as the SDK's streams need them.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('a throttled call is attempted by awsCall only: as many requests as its budget, then ThrottledError', async () => {
    // Prepare
    const endpoint = throttlingEndpoint();
    const client = new CloudWatchClient({
      ...awsClientConfig({ region: 'us-east-1' }, credentials),
      requestHandler: endpoint.requestHandler,
    });

    // Act
    const error = await readAlarm(client);

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    expect(endpoint.requests).toEqual(
      Array(AWS_CALL_RETRY.attempts).fill('GraniteServiceVersion20100801.DescribeAlarms'),
    );
  });

  it("with the SDK's own retries left on, the same call would be sent 3 times per attempt (what the config prevents)", async () => {
    // Prepare
    const endpoint = throttlingEndpoint();
    const client = new CloudWatchClient({
      region: 'us-east-1',
      credentials,
      requestHandler: endpoint.requestHandler,
    });

    // Act
    await readAlarm(client);

    // Assess
    expect(endpoint.requests).toHaveLength(3 * (AWS_CALL_RETRY.attempts ?? 0));
  });
});
