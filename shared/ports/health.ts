/** One dependency the runtime reaches; `check` throws when it is unhealthy. */
export interface HealthCheck {
  name: string;
  check(): Promise<string | void>;
}
