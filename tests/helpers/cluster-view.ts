import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRolloutStore } from '../../core/adapters/aws/dynamodb-rollout-store';
import type { Rollout } from '../../core/rollouts/domain/types';
import { defined } from './defined';
import { awsClientConfig, kube } from './stack';

/** What the chaos tests compare: the namespace's Deployments (not being deleted) and Services, flattened. */
export interface ClusterView {
  deployments: Record<string, { image?: string; replicas: number; ready: number; labels: Record<string, string> }>;
  selectors: Record<string, Record<string, string>>;
}

export async function clusterView(namespace: string): Promise<ClusterView> {
  const { apps, core } = kube();
  const [deployments, services] = await Promise.all([
    apps.listNamespacedDeployment({ namespace }),
    core.listNamespacedService({ namespace }),
  ]);
  return {
    deployments: Object.fromEntries(
      deployments.items
        .filter((d) => !d.metadata?.deletionTimestamp)
        .map((d) => [
          defined(d.metadata?.name, "a listed object's name"),
          {
            image: d.spec?.template.spec?.containers[0]?.image,
            replicas: d.spec?.replicas ?? 0,
            ready: d.status?.readyReplicas ?? 0,
            labels: d.spec?.template.metadata?.labels ?? {},
          },
        ]),
    ),
    selectors: Object.fromEntries(
      services.items.map((s) => [defined(s.metadata?.name, "a listed object's name"), s.spec?.selector ?? {}]),
    ),
  };
}

/** The rollout as stored, read straight from the table (the runtime may be dead). */
export async function storedRollout(table: string, id: string): Promise<Rollout | undefined> {
  return new DynamoDbRolloutStore(table, new DynamoDBClient(awsClientConfig())).get(id);
}

export const historyCount = (rollout: Pick<Rollout, 'history'>, type: string) =>
  rollout.history.filter((h) => h.type === type).length;

/**
 * What the cluster must show once the store says a rollout ended (the store may lag the cluster,
 * never lead it). Returns the differences, empty when they agree, so a failure names every one.
 */
export function endStateDisagreements(rollout: Rollout, view: ClusterView, originalImage: string): string[] {
  const out: string[] = [];
  const web = view.deployments[rollout.deployment];
  const expect = (ok: boolean, what: string) => {
    if (!ok) out.push(what);
  };
  const others = Object.keys(view.deployments).filter((name) => name !== rollout.deployment);
  expect(others.length === 0, `only ${rollout.deployment} should remain, found also ${others.join(', ')}`);
  expect(web !== undefined, `${rollout.deployment} is gone`);
  if (!web) return out;
  expect(web.replicas === rollout.stable.replicas, `replicas ${web.replicas} ≠ ${rollout.stable.replicas}`);
  const newImage = rollout.request.image;
  if (rollout.status === 'Promoted') {
    expect(web.image === newImage, `Promoted but ${rollout.deployment} runs ${web.image}, not ${newImage}`);
  } else if (rollout.status === 'Aborted' || rollout.status === 'Failed') {
    // A failed rollout is rolled back too: nothing of the new version may be left serving without an owner.
    expect(
      web.image === originalImage,
      `${rollout.status} but ${rollout.deployment} runs ${web.image}, not ${originalImage}`,
    );
  } else {
    out.push(`status ${rollout.status} is not an end state`);
  }
  const active = rollout.request.blueGreen?.activeService;
  if (active) {
    const version = view.selectors[active]?.version;
    const webVersion = web.labels.version;
    // The active Service must select the pods of the Deployment that remains (pinned or not).
    expect(
      version === undefined || version === webVersion,
      `active Service selects version=${version}, ${rollout.deployment}'s pods are version=${webVersion}`,
    );
  }
  return out;
}
