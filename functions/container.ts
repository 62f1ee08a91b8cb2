import { AsyncLocalStorage } from 'node:async_hooks';
import { buildContainer, type Container } from '../core/composition-root';
import { loadConfig } from '../core/config';

let current: Container | undefined;
/** The sandbox runs every function in one process, each with its own role: its invocation carries its container. */
const perInvocation = new AsyncLocalStorage<Container>();

/** The handlers' dependencies: built on first use (a Lambda cold start) unless a runtime installed its own. */
export function container(): Container {
  const own = perInvocation.getStore();
  if (own) return own;
  current ??= buildContainer(loadConfig(process.env));
  return current;
}

/** The local runtime and tests install their wiring (same adapters, different endpoints or engine). */
export function useContainer(next: Container | undefined): void {
  current = next;
}

/** Runs one invocation with `c` as its container (the local runtime: the function's own role and clients). */
export function runWithContainer<T>(c: Container, invocation: () => T): T {
  return perInvocation.run(c, invocation);
}
