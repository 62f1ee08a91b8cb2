import { z } from 'zod';
import { ValidationError } from '../../../../core/kernel/errors';
import { parseJsonBody, parseWith } from '../../../../core/kernel/parse';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseJsonBody', () => {
  it.each([
    { what: 'undefined', body: undefined, reason: 'a JSON object is required' },
    { what: 'null', body: null, reason: 'a JSON object is required' },
    { what: 'empty', body: '', reason: 'a JSON object is required' },
    { what: 'blank', body: '  \n ', reason: 'a JSON object is required' },
    { what: 'not JSON', body: '{name: prod}', reason: 'is not valid JSON' },
    { what: 'truncated JSON', body: '{"name": "prod"', reason: 'is not valid JSON' },
  ])('throws a ValidationError naming `body` when the body is $what', ({ body, reason }) => {
    // Act
    const error = thrown(() => parseJsonBody(body));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'body', reason }]);
    expect((error as ValidationError).status).toBe(400);
  });

  it.each([
    { body: '{"name":"prod"}', parsed: { name: 'prod' } },
    { body: '[1,2]', parsed: [1, 2] },
    { body: ' 7 ', parsed: 7 },
  ])('parses $body', ({ body, parsed }) => {
    // Act / Assess
    expect(parseJsonBody(body)).toEqual(parsed);
  });
});

describe('parseWith', () => {
  const schema = z
    .object({ canary: z.object({ steps: z.array(z.object({ setWeight: z.number().max(100) })) }) })
    .strict();

  it('names nested fields with a dotted path and says what is wrong in the message', () => {
    // Act
    const error = thrown(() =>
      parseWith(schema, { canary: { steps: [{ setWeight: 10 }, { setWeight: 150 }] } }, 'rollout'),
    ) as ValidationError;

    // Assess
    expect(error.details.map((d) => d.field)).toEqual(['canary.steps.1.setWeight']);
    expect(error.message).toMatch(/^invalid rollout: canary\.steps\.1\.setWeight: /);
  });

  it('returns the parsed value when valid', () => {
    // Act / Assess
    expect(parseWith(schema, { canary: { steps: [{ setWeight: 10 }] } })).toEqual({
      canary: { steps: [{ setWeight: 10 }] },
    });
  });
});

describe('parseWith: missing fields', () => {
  it('says a missing field "is required" (not zod\'s type message)', () => {
    // Prepare
    const schema = z.object({ name: z.string(), size: z.number() });

    // Act
    const error = thrown(() => parseWith(schema, { size: 'big' })) as ValidationError;

    // Assess
    expect(error.details).toEqual([
      { field: 'name', reason: 'is required' },
      { field: 'size', reason: expect.not.stringMatching(/required/) },
    ]);
  });
});
