import { readyAfterSecondsFromEnv } from '../../../../local/sandbox/sandbox';

describe('readyAfterSecondsFromEnv', () => {
  it.each([
    { raw: undefined, seconds: undefined },
    { raw: '', seconds: undefined },
    { raw: ' ', seconds: undefined },
    { raw: '0', seconds: 0 },
    { raw: '2', seconds: 2 },
    { raw: '0.5', seconds: 0.5 },
  ])('EKSFLOW_SANDBOX_READY_AFTER_SECONDS=$raw → $seconds', ({ raw, seconds }) => {
    // Act / Assess
    expect(readyAfterSecondsFromEnv({ EKSFLOW_SANDBOX_READY_AFTER_SECONDS: raw })).toBe(seconds);
  });

  it.each(['-1', 'soon', '2s', 'Infinity', 'NaN'])('refuses %p rather than running without the delay', (raw) => {
    // Act / Assess
    expect(() => readyAfterSecondsFromEnv({ EKSFLOW_SANDBOX_READY_AFTER_SECONDS: raw })).toThrow(
      /EKSFLOW_SANDBOX_READY_AFTER_SECONDS must be a number of seconds/,
    );
  });
});
