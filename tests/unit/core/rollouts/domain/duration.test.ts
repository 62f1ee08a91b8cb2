import { parseDuration } from '../../../../../core/rollouts/domain/duration';

describe('parseDuration', () => {
  it.each`
    text        | seconds
    ${'30s'}    | ${30}
    ${'5m'}     | ${300}
    ${'1h'}     | ${3600}
    ${'1h30m'}  | ${5400}
    ${'2m30s'}  | ${150}
    ${'1h1m1s'} | ${3661}
    ${'90'}     | ${90}
    ${'0s'}     | ${0}
  `("'$text' → $seconds s", ({ text, seconds }) => {
    // Act / Assess
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '5x', 'm', '-1s', '1.5m', ' 5m', '5m ', '30m1h', 's30', 'h', '5 m'])(
    "'%s' is malformed → undefined",
    (text) => {
      // Act / Assess
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});
