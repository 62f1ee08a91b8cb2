import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Stacks of logged errors mapped back to the TypeScript sources.
 *
 * Why not `NODE_OPTIONS=--enable-source-maps`: Node then reads and parses each bundle's source map at load,
 * on every cold start (npm run bench: tens of milliseconds of the 100 ms budget), to serve the few
 * invocations that log an error. Here a bundle's map (`<bundle>.js.map`, beside it in the package) is read
 * only when a logged error's stack points into that bundle, once per file and container. Frames of files
 * without a map (the local runtime runs the TypeScript itself) stay as they are.
 */
export function sourceMappedStacks(): (key: string, value: unknown) => unknown {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) maps.set(file, loadSourceMap(file));
    return maps.get(file);
  };
  // Powertools formats an Error as {name, location, message, stack, …}; the replacer then sees its `stack`.
  return (key, value) => (key === 'stack' && typeof value === 'string' ? mapStack(value, mapOf) : value);
}

/** `at fn (/var/task/functions/api/handler.js:1:2345)` or `at /var/task/….js:1:2345`: file, line, column. */
const STACK_POSITION = /(\/[^\s():]+\.[cm]?js):(\d+):(\d+)/g;

/** Each position in a file that has a map becomes its original `source:line:column`; the others stay. */
export function mapStack(stack: string, mapOf: (file: string) => SourceMap | undefined): string {
  return stack.replace(STACK_POSITION, (position, file: string, line: string, column: string) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry)) return position;
    return `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

function loadSourceMap(file: string): SourceMap | undefined {
  const mapFile = `${file}.map`;
  if (!existsSync(mapFile)) return undefined;
  try {
    return new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
  } catch {
    return undefined; // An unreadable map leaves the stack as it is: never lose the log line over it.
  }
}
