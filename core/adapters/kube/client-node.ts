/**
 * The parts of @kubernetes/client-node 1.4 that eksflow calls, from the package's own modules rather than
 * its index: the index re-exports all ~70 generated API groups and esbuild keeps them all (about 2.9 MB
 * minified, against about 1.7 MB for these). The package has no `exports` map, so these paths are public
 * files of the pinned version; upgrading client-node means checking them (tsc fails if one moves).
 * The object-parameter classes are what the index exports as CoreV1Api, AppsV1Api, NetworkingV1Api,
 * RbacAuthorizationV1Api.
 */
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
export {
  ObjectAppsV1Api as AppsV1Api,
  ObjectCoreV1Api as CoreV1Api,
  ObjectNetworkingV1Api as NetworkingV1Api,
  ObjectRbacAuthorizationV1Api as RbacAuthorizationV1Api,
} from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
/** Server-side apply of any kind (the provisioning baseline): the generic object API and its patch types. */
export { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
export { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
