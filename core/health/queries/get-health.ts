import { errorMessage } from '../../kernel/errors';
import type { HealthCheck } from '../ports/health';

export interface ComponentHealth {
  status: 'ok' | 'down';
  latencyMs: number;
  detail?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  components: Record<string, ComponentHealth>;
}

/**
 * What the unsigned `GET /health` answers: the function is up and routing, nothing more. It makes no AWS
 * call (an open route must not let anyone spend the account's API quotas or time) and carries no account
 * id, table name or error text (each is a fact an attacker could use). The deep report needs a signature.
 */
export const LIVENESS = Object.freeze({ status: 'ok' as const });

export function getLiveness(): typeof LIVENESS {
  return LIVENESS;
}

/** Checks every dependency at once, each bounded by `timeoutMs` so a hung one cannot hang the report. */
export async function getHealth(checks: HealthCheck[], timeoutMs = 2000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (check) => [check.name, await runCheck(check, timeoutMs)] as const),
  );
  const components = Object.fromEntries(results);
  const status = results.every(([, r]) => r.status === 'ok') ? 'ok' : 'degraded';
  return { status, components };
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<ComponentHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const detail = await Promise.race([check.check(), timeout]);
    return {
      status: 'ok',
      latencyMs: Math.round(performance.now() - started),
      ...(typeof detail === 'string' && detail ? { detail } : {}),
    };
  } catch (error) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), detail: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}
