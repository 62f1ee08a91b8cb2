import { type LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { sourceMappedStacks } from './source-mapped-stacks';

/**
 * One configured logger for Lambda and the local runtime: Powertools for AWS Lambda's Logger (JSON lines
 * with `level`, `message`, `timestamp`, `service`, and the Lambda context when a handler adds it).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The port the use cases log through: Powertools' Logger satisfies it, a test may pass anything that does. */
export interface Logger {
  debug(message: string, ...fields: Record<string, unknown>[]): void;
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
  /**
   * The same logger with these keys on every line it writes: one invocation's correlation id. A new
   * logger rather than keys appended to this one, because the local runtime runs invocations concurrently
   * on one process, and appended keys would leak into the lines of the others.
   */
  withKeys(keys: Record<string, unknown>): Logger;
}

/** The key of the rollout's or operation's id on every line logged while working on it (Powertools' name). */
export const CORRELATION_ID = 'correlation_id';

/** The service name on every line (Powertools' `service` key). */
export const SERVICE_NAME = 'eksflow';

class EksflowLogger extends PowertoolsLogger implements Logger {
  constructor(
    options: ConstructorOptions,
    private readonly write?: (line: string) => void,
  ) {
    super(options);
  }

  withKeys(keys: Record<string, unknown>): EksflowLogger {
    return this.createChild({ persistentKeys: keys }) as EksflowLogger;
  }

  protected override createLogger(options?: ConstructorOptions): EksflowLogger {
    return new EksflowLogger(options ?? {}, this.write);
  }

  /** Lines go to stdout (CloudWatch Logs in Lambda) unless a test asked for them. */
  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.write) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    this.write(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

/** `write` is for tests that read the lines; `keys` are on every line. */
export function createLogger(
  level: LogLevel = 'info',
  keys: Record<string, unknown> = {},
  write?: (line: string) => void,
): Logger {
  return new EksflowLogger(
    {
      serviceName: SERVICE_NAME,
      logLevel: level.toUpperCase() as Uppercase<LogLevel>,
      persistentKeys: keys,
      jsonReplacerFn: sourceMappedStacks(),
    },
    write,
  );
}
