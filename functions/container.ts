import { buildContainer, type Container } from '../shared/composition-root';
import { loadConfig } from '../shared/config';

let current: Container | undefined;

/** The handlers' dependencies: built on first use (a Lambda cold start) unless a runtime installed its own. */
export function container(): Container {
  current ??= buildContainer(loadConfig(process.env));
  return current;
}

/** The local runtime and tests install their wiring (same adapters, different endpoints or engine). */
export function useContainer(next: Container | undefined): void {
  current = next;
}
