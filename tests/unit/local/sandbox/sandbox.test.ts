import { emulatorClientConfig, readyAfterSecondsFromEnv } from '../../../../local/sandbox/sandbox';

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

describe('emulatorClientConfig', () => {
  it("points the SDK at the emulator, and throws when the stack names none (never AWS's own endpoint)", () => {
    // Act
    const config = emulatorClientConfig({ region: 'us-east-1', emulatorEndpoint: 'http://127.0.0.1:5000' });
    const missing = () => emulatorClientConfig({ region: 'us-east-1', emulatorEndpoint: '' });

    // Assess
    expect(config).toMatchObject({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
    expect(missing).toThrow(/emulatorEndpoint/);
  });
});
