/**
 * Everything a rollout names, labels or annotates in a cluster, in one place: the other modules import
 * these, so a name cannot drift between the code that creates a thing and the code that finds or removes it.
 */

/** Label on the new version's pods (both strategies) naming the rollout revision. */
export const REVISION_LABEL = 'eksflow.io/revision';
/** Label the blue-green Services select the new version on (`spec.selector.version`). */
export const VERSION_LABEL = 'version';
/** Label on a Deployment eksflow created, naming the rollout that owns it: nothing without it is ever adopted or deleted. */
export const ROLLOUT_LABEL = 'eksflow.io/rollout';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'eksflow';
/**
 * The label the Deployment controller puts on every pod of a ReplicaSet. Adding it to a blue-green active
 * Service's selector pins the Service to blue's pods without restarting them (Argo Rollouts does the same with
 * `rollouts-pod-template-hash`); adding a label of our own to blue's template would roll every blue pod.
 */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/**
 * Annotation on the stable Deployment holding the replica count eksflow last wrote, in the same patch as
 * `spec.replicas`: a different `spec.replicas` then means someone else (an HPA, `kubectl scale`) changed it.
 */
export const REPLICAS_ANNOTATION = 'eksflow.io/replicas';

export const canaryName = (deployment: string) => `${deployment}-canary`;
export const greenName = (deployment: string) => `${deployment}-green`;

/** The Deployment a rollout creates for its new version. */
export function newVersionName(r: { strategy: 'canary' | 'blueGreen'; deployment: string }): string {
  return r.strategy === 'canary' ? canaryName(r.deployment) : greenName(r.deployment);
}
