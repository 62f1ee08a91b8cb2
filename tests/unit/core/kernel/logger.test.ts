import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { createLogger } from '../../../../core/kernel/logger';

function capture(level: Parameters<typeof createLogger>[0] = 'debug') {
  const lines: Record<string, any>[] = [];
  const logger = createLogger(level, {}, (line) => void lines.push(JSON.parse(line)));
  return { logger, lines };
}

describe('logger (Powertools Logger)', () => {
  it('writes structured lines with level, message, service and the fields given', () => {
    // Prepare
    const { logger, lines } = capture();

    // Act
    logger.info('rollout started', { rollout: 'r-1' });

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'rollout started', service: 'eksflow', rollout: 'r-1' }),
    ]);
    expect(Date.parse(lines[0]?.timestamp)).not.toBeNaN();
  });

  it('puts the correlation id on every line of the logger withKeys returns, and on none of the parent', () => {
    // Prepare
    const { logger, lines } = capture();
    const invocation = logger.withKeys({ correlation_id: 'r-42' });

    // Act
    invocation.info('one');
    invocation.warn('two');
    logger.info('outside');

    // Assess
    expect(lines.map((l) => [l.message, l.correlation_id])).toEqual([
      ['one', 'r-42'],
      ['two', 'r-42'],
      ['outside', undefined],
    ]);
  });

  it('writes nothing below its level, and nothing at all when silent', () => {
    // Prepare
    const info = capture('info');
    const silent = capture('silent');

    // Act
    info.logger.debug('hidden');
    silent.logger.error('hidden too');

    // Assess
    expect(info.lines).toEqual([]);
    expect(silent.lines).toEqual([]);
  });

  it("maps a logged error's stack back to the TypeScript source when the bundle has a map beside it", () => {
    // Prepare: a minified bundle with a linked map, as `npm run package` builds them
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eksflow-logger-'));
    try {
      const source = 'export function fail(): never {\n  const why = "boom";\n  throw new Error(why);\n}\n';
      const built = transformSync(source, {
        loader: 'ts',
        format: 'cjs',
        minify: true,
        sourcemap: 'external',
        sourcefile: 'shared/use-cases/fail.ts',
      });
      const bundle = path.join(dir, 'bundle.js');
      writeFileSync(bundle, `${built.code}//# sourceMappingURL=bundle.js.map\n`);
      writeFileSync(`${bundle}.map`, built.map);
      const { logger, lines } = capture();
      let error: unknown;
      try {
        require(bundle).fail();
      } catch (caught) {
        error = caught;
      }

      // Act
      logger.error('task failed', { error });

      // Assess: the frame is the original file and line, not the bundle's one long line
      expect(lines[0]?.error).toMatchObject({ name: 'Error', message: 'boom' });
      expect(lines[0]?.error.stack).toContain('shared/use-cases/fail.ts:3:');
      expect(lines[0]?.error.stack).not.toContain('bundle.js:1:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
