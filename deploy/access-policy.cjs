// The deployed access policy (README "Access policy"), resolved by `${file(deploy/access-policy.cjs):policy}`
// when packaging: EKSFLOW_ADMIN_PRINCIPAL_ARNS (comma-separated IAM ARNs) are allowed everything everywhere;
// EKSFLOW_ACCESS_POLICY_TEXT (YAML or JSON) replaces the whole policy. With neither, nobody is allowed
// anything (every signed call is a 403 naming the action) until a redeploy names someone.
// The sandbox does not use this: it keeps config/access-policy.yaml and its own identities.
'use strict';

const ALL_ACTIONS = ['read', 'rollout', 'promote', 'abort', 'cluster', 'scale'];

function accessPolicy(env = process.env) {
  if (env.EKSFLOW_ACCESS_POLICY_TEXT) return env.EKSFLOW_ACCESS_POLICY_TEXT;
  const admins = (env.EKSFLOW_ADMIN_PRINCIPAL_ARNS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const statements =
    admins.length === 0
      ? []
      : [{ sid: 'deploy-admins', principals: admins, clusters: ['*'], namespaces: ['*'], actions: ALL_ACTIONS }];
  return JSON.stringify({ statements });
}

module.exports = { policy: () => accessPolicy(), accessPolicy };
