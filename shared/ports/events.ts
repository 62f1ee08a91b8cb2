/** Publishes what happened (EventBridge, source `eksflow`) so teams can notify; best effort. */
export interface EventPublisher {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}
