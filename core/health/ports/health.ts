/** One dependency the runtime reaches; `check` throws when it is unhealthy. */
export interface HealthCheck {
  name: string;
  /** Resolves to a short detail (e.g. "3 running") or nothing. */
  check(): Promise<unknown>;
}
