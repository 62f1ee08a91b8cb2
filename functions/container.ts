import { AsyncLocalStorage } from 'node:async_hooks';
import { loadConfig } from '../core/config';
import type { Container } from '../core/wiring/container';
import { type WiringContext, wiringContext } from '../core/wiring/context';

let current: Container | undefined;
/** The sandbox runs every function in one process, each with its own role: its invocation carries its container. */
const perInvocation = new AsyncLocalStorage<Container>();

/**
 * A function's dependencies: only the ports it uses, wired on first use (a Lambda cold start) from the factories
 * of core/wiring, so that its bundle holds only those adapters and SDK clients. A runtime that installed its own
 * container (the sandbox, tests) gets that one instead: it has every port, so it is a superset of what any
 * function asks for.
 */
export function wired<K extends keyof Container>(
  wire: (ctx: WiringContext) => Pick<Container, K>,
): () => Pick<Container, K> {
  let built: Pick<Container, K> | undefined;
  return () => {
    const installed = perInvocation.getStore() ?? current;
    if (installed) return installed;
    built ??= wire(wiringContext(loadConfig(process.env)));
    return built;
  };
}

/** The local runtime and tests install their wiring (same adapters, different endpoints or engine). */
export function useContainer(next: Container | undefined): void {
  current = next;
}

/** Runs one invocation with `c` as its container (the local runtime: the function's own role and clients). */
export function runWithContainer<T>(c: Container, invocation: () => T): T {
  return perInvocation.run(c, invocation);
}
