import type { ClusterDeps } from '../clusters/cluster-deps';
import type { DoctorDeps } from '../health/queries/doctor';
import type { Container } from './container';

/** The cluster use cases' settings, from the configuration. */
export type ClusterSettings = Pick<ClusterDeps, 'clusterDefaults' | 'clusterPollSeconds' | 'clusterPollCeilingSeconds'>;

/** What the cluster-lifecycle use cases need, from a function's ports (API routes and workflow tasks alike). */
export function clusterDepsOf<C extends Pick<Container, 'config'>>(c: C): C & ClusterSettings {
  return {
    ...c,
    clusterDefaults: c.config.clusterDefaults,
    clusterPollSeconds: c.config.clusterPollSeconds,
    clusterPollCeilingSeconds: c.config.clusterPollCeilingSeconds,
  };
}

/** What `eksflow doctor` needs, from the container; a configured token (the sandbox's) needs no access entry. */
export function doctorDepsOf<C extends Omit<DoctorDeps, 'configuredToken'> & Pick<Container, 'config'>>(
  c: C,
): C & DoctorDeps {
  return {
    ...c,
    configuredToken: (cluster) => Boolean((c.config.kubeOverrides[cluster] ?? c.config.kubeOverrides['*'])?.token),
  };
}
