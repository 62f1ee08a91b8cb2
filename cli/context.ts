import { stringify } from 'yaml';
import { type Endpoint, resolveEndpoint } from './endpoint';
import { UsageError } from './errors';
import { ApiClient } from './http/api-client';

/** What a command needs from the outside world, injected so that tests run the CLI in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Ctrl-C during a watch: resolves when the user interrupts (never, in tests). */
  interrupted?: Promise<void>;
}

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

export interface GlobalOptions {
  api?: string;
  output: OutputFormat;
}

/** A command's view of the CLI: its IO, the global flags, and an API client made on first use. */
export class Context {
  private client?: ApiClient;
  private endpointValue?: Endpoint;

  constructor(
    readonly io: CliIo,
    readonly options: () => GlobalOptions,
  ) {}

  get endpoint(): Endpoint {
    this.endpointValue ??= resolveEndpoint({ api: this.options().api, cwd: this.io.cwd, env: this.io.env });
    return this.endpointValue;
  }

  get api(): ApiClient {
    this.client ??= new ApiClient(this.endpoint, this.io.sleep);
    return this.client;
  }

  get format(): OutputFormat {
    const format = this.options().output;
    if (!OUTPUT_FORMATS.includes(format))
      throw new UsageError(`-o: "${format}" is not one of ${OUTPUT_FORMATS.join(', ')}`);
    return format;
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Prints `value` as JSON or YAML, or as `table(value)` by default. */
  print(value: unknown, table: (value: any) => string): void {
    const format = this.format;
    if (format === 'json') this.line(JSON.stringify(value, null, 2));
    else if (format === 'yaml') this.io.stdout.write(stringify(value));
    else this.line(table(value));
  }
}

/** `90`, `90s`, `10m`, `1h` → milliseconds (a bare number is seconds). */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new UsageError(`${flag}: "${value}" is not a duration (e.g. 90s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return Number(m[1]) * unit;
}

export function parseInteger(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag}: "${value}" is not a whole number`);
  return Number(value);
}
