import { container } from '../container';

/** EventBridge schedule: a periodic safety net for work whose workflow is no longer running. */
export async function main() {
  const c = container();
  c.logger.info('scheduled sweep');
  return { resumed: 0 };
}
