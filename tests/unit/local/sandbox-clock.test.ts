import { parseClockRequest, SandboxClock } from '../../../local/sandbox-clock';
import { ValidationError } from '../../../core/kernel/errors';

describe('SandboxClock', () => {
  it('is real time plus what was advanced, and only goes forward', () => {
    // Prepare
    let real = Date.parse('2027-03-13T12:00:00Z');
    const clock = new SandboxClock(() => real);

    // Act
    clock.advance(3600);
    real += 1000;

    // Assess
    expect(clock.now().toISOString()).toBe('2027-03-13T13:00:01.000Z');
  });
});

describe('parseClockRequest', () => {
  it.each([[{ advanceSeconds: 0 }], [{ advanceSeconds: 86_400 }]])('accepts %j', (body) => {
    // Act / Assess
    expect(parseClockRequest(body)).toEqual(body);
  });

  it.each([[undefined], [{}], [{ advanceSeconds: -1 }], [{ advanceSeconds: 1.5 }], [{ advanceSeconds: '60' }]])(
    'refuses %j naming advanceSeconds',
    (body) => {
      // Act
      const parse = () => parseClockRequest(body);

      // Assess
      expect(parse).toThrow(ValidationError);
      expect(parse).toThrow(/advanceSeconds/);
    },
  );
});
