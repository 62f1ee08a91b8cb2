/// <reference lib="dom" />
import htm from 'htm';
import { h, render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { WeightsChart } from './chart';
import { type Sample, samplesFromHistory } from './series';
import 'uplot/dist/uPlot.min.css';
import './style.css';

const html = htm.bind(h);
/** How often the page asks again: close to the CLI's watch, light on the API. */
const POLL_MS = 2000;
/** Clusters and node-group sizes change over minutes, and each cluster costs one GET /clusters/{name}: asked less often. */
const CLUSTERS_POLL_MS = 5000;
/** A cluster's latest operations shown on its card (GET /clusters/{name} gives the last 5). */
const CLUSTER_OPERATIONS_SHOWN = 3;
/** Live samples kept per rollout for the chart (about 30 minutes at one every 2 s). */
const MAX_LIVE_SAMPLES = 900;

const liveSamples = new Map<string, Sample[]>();

function usePoll<T>(
  load: () => Promise<T>,
  deps: unknown[],
  intervalMs = POLL_MS,
): { data?: T; error?: string; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    const run = () =>
      load().then(
        (data) => live && setState({ data }),
        (e) => live && setState((s) => ({ ...s, error: String(e.message ?? e) })),
      );
    run();
    const timer = setInterval(run, intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

function stepLabel(step: Record<string, any>): string {
  if ('setWeight' in step) return `weight ${step.setWeight}%`;
  if ('pause' in step) return step.pause?.duration ? `pause ${step.pause.duration}` : 'pause (promote)';
  return 'analysis';
}

/**
 * GET /clusters lists names, status and the last operation only; each cluster's node groups and sizes come from
 * GET /clusters/{name}. A cluster that went away between the two calls is left out, not an error for the panel.
 */
async function loadClusters(): Promise<any[]> {
  const { clusters } = await api<{ clusters: { name: string }[] }>('GET', '/clusters');
  const details = await Promise.all(
    clusters.map((c) => api('GET', `/clusters/${encodeURIComponent(c.name)}`).catch(() => undefined)),
  );
  return details.filter((d) => d !== undefined);
}

function Clusters(props: { onPick: (cluster: string) => void }) {
  const { data: clusters = [], error } = usePoll(loadClusters, [], CLUSTERS_POLL_MS);
  return html`<section>
    <h2>Clusters</h2>
    ${error && html`<p class="muted">clusters: ${error}</p>`}
    ${clusters.map(
      (c) => html`<div class="card" data-testid="cluster" data-cluster=${c.name}>
        <b><button class="link" onClick=${() => props.onPick(c.name)}>${c.name}</button></b>
        <span class="badge">${c.controlPlane?.status ?? ''}</span> <span class="muted">Kubernetes ${c.controlPlane?.version ?? '?'}</span>
        ${
          c.nodegroups?.length
            ? html`<table>
          <tr><th>node group</th><th>status</th><th>min</th><th>desired</th><th>max</th></tr>
          ${c.nodegroups.map(
            (n: any) =>
              html`<tr><td>${n.name}</td><td>${n.status}</td><td>${n.minSize}</td><td>${n.desiredSize}</td><td>${n.maxSize}</td></tr>`,
          )}
        </table>`
            : html`<p class="muted">no node groups</p>`
        }
        ${(c.operations ?? []).slice(0, CLUSTER_OPERATIONS_SHOWN).map((op: any) => html`<${OperationRow} op=${op} />`)}
      </div>`,
    )}
  </section>`;
}

function OperationRow(props: { op: any }) {
  const op = props.op;
  return html`<div class="op" data-testid="operation">
    <span class="badge ${op.status}">${op.status}</span> ${op.kind} ${op.cluster ?? ''}
    <ol class="timeline">${(op.steps ?? []).map((s: any) => html`<li class="done" title=${s.at}>${s.name}</li>`)}</ol>
    ${op.error && html`<div class="error">${op.error.code}: ${op.error.message}</div>`}
  </div>`;
}

function Operations() {
  const [id, setId] = useState('');
  const [op, setOp] = useState<any>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (op?.status !== 'Running') return;
    const timer = setInterval(
      () => api('GET', `/operations/${op.id}`).then(setOp, (e) => setError(e.message)),
      POLL_MS,
    );
    return () => clearInterval(timer);
  }, [op?.id, op?.status]);
  const look = (e: Event) => {
    e.preventDefault();
    setError(undefined);
    api('GET', `/operations/${encodeURIComponent(id.trim())}`).then(setOp, (err) => setError(err.message));
  };
  return html`<section>
    <h2>Operations</h2>
    <form class="lookup" onSubmit=${look}>
      <input placeholder="operation id" value=${id} onInput=${(e: any) => setId(e.target.value)} />
      <button type="submit">Show</button>
    </form>
    ${error && html`<p class="error">${error}</p>`} ${op && html`<${OperationRow} op=${op} />`}
  </section>`;
}

function Confirm(props: { question: string; onYes: () => void; onNo: () => void }) {
  return html`<div class="confirm" role="dialog" data-testid="confirm">
    <p>${props.question}</p>
    <button class="danger" onClick=${props.onYes} data-testid="confirm-yes">Confirm</button>
    <button onClick=${props.onNo}>Cancel</button>
  </div>`;
}

function RolloutDetail(props: { id: string }) {
  const { data, error, reload } = usePoll(async () => {
    const [r, live] = await Promise.all([
      api('GET', `/rollouts/${props.id}`),
      api('GET', `/rollouts/${props.id}/live`).catch(() => undefined),
    ]);
    if (live) {
      const samples = liveSamples.get(props.id) ?? [];
      samples.push({
        t: Math.floor(Date.parse(live.at) / 1000),
        canaryWeight: r.weights.canary,
        stableWeight: r.weights.stable,
        canaryReady: live.canary?.ready ?? 0,
        stableReady: live.stable?.ready ?? 0,
      });
      liveSamples.set(props.id, samples.slice(-MAX_LIVE_SAMPLES));
    }
    return { r, live };
  }, [props.id]);
  const [asking, setAsking] = useState<'promote' | 'abort'>();
  const [actionError, setActionError] = useState<string>();
  if (!data) return html`<p class="muted">${error ?? 'loading…'}</p>`;
  const { r, live } = data;
  const active = r.status === 'Progressing' || r.status === 'Paused';
  const act = (what: 'promote' | 'abort') => {
    setAsking(undefined);
    const body = what === 'promote' && r.strategy === 'canary' ? { step: r.currentStepIndex } : {};
    api('POST', `/rollouts/${r.id}/${what}`, body).then(
      () => {
        setActionError(undefined);
        reload();
      },
      (e) => setActionError(e.message),
    );
  };
  const samples = [...samplesFromHistory(r), ...(liveSamples.get(r.id) ?? [])];
  return html`<div class="card" data-testid="rollout-detail">
    <h3>${r.cluster}/${r.namespace}/${r.deployment} <span class="badge ${r.status}" data-testid="rollout-status">${r.status}</span></h3>
    <p>${r.strategy === 'canary' ? 'canary' : 'blue-green'} · ${r.image ?? 'pod template patch'} · phase ${r.phase}
      ${r.pause ? ` · paused (${r.pause.reason})` : ''} ${r.abort ? ` · ${r.abort.reason}` : ''}</p>
    ${
      r.steps &&
      html`<ol class="timeline" data-testid="steps">
      ${r.steps.map(
        (s: any, i: number) =>
          html`<li class=${i < r.currentStepIndex || r.status === 'Promoted' ? 'done' : i === r.currentStepIndex && r.phase === 'Steps' ? 'current' : ''}>
            ${stepLabel(s)}
          </li>`,
      )}
    </ol>`
    }
    <div class="weights">
      <div class="bar"><div class="canary" style=${`width:${r.weights.canary}%`}></div></div>
      canary ${r.weights.canary}% · stable ${r.weights.stable}%
      ${live && html` · Ready canary ${live.canary?.ready ?? 0}/${live.canary?.desired ?? 0}, stable ${live.stable?.ready ?? 0}/${live.stable?.desired ?? 0}`}
    </div>
    <div class="alarms">
      ${(r.alarms ?? []).map((a: string) => html`<span class="badge ${live?.alarms?.[a] ?? ''}" data-testid="alarm">${a}: ${live?.alarms?.[a] ?? '?'}</span>`)}
    </div>
    <${WeightsChart} samples=${samples} />
    ${
      active &&
      html`<div class="actions">
      <button onClick=${() => setAsking('promote')} data-testid="promote">Promote</button>
      <button class="danger" onClick=${() => setAsking('abort')} data-testid="abort">Abort</button>
    </div>`
    }
    ${
      asking &&
      html`<${Confirm}
      question=${asking === 'promote' ? `Promote ${r.deployment} past ${r.currentStep ?? 'the current step'}?` : `Abort ${r.deployment} and go back to stable?`}
      onYes=${() => act(asking)}
      onNo=${() => setAsking(undefined)}
    />`
    }
    ${actionError && html`<p class="error">${actionError}</p>`}
    <ul class="history">
      ${(r.history ?? [])
        .slice(-8)
        .reverse()
        .map((e: any) => html`<li><time>${e.at.slice(11, 19)}</time> <b>${e.type}</b> ${e.message}</li>`)}
    </ul>
  </div>`;
}

function Rollouts(props: { cluster: string }) {
  const { data, error } = usePoll(
    () => api('GET', `/rollouts?cluster=${encodeURIComponent(props.cluster)}&limit=20`),
    [props.cluster],
  );
  const [selected, setSelected] = useState<string>();
  const rollouts: any[] = data?.rollouts ?? [];
  const shown =
    selected ?? rollouts.find((r) => r.status === 'Progressing' || r.status === 'Paused')?.id ?? rollouts[0]?.id;
  return html`<section>
    <h2>Rollouts in ${props.cluster}</h2>
    ${error && html`<p class="error">${error}</p>`}
    <table data-testid="rollouts">
      <tr><th>deployment</th><th>strategy</th><th>status</th><th>canary/stable</th><th>started</th></tr>
      ${rollouts.map(
        (r) => html`<tr class=${r.id === shown ? 'selected' : ''} onClick=${() => setSelected(r.id)}>
          <td>${r.namespace}/${r.deployment}</td><td>${r.strategy}</td>
          <td><span class="badge ${r.status}">${r.status}</span></td><td>${r.weights.canary}/${r.weights.stable}</td>
          <td>${r.createdAt.slice(0, 19).replace('T', ' ')}</td>
        </tr>`,
      )}
    </table>
    ${shown && html`<${RolloutDetail} id=${shown} key=${shown} />`}
  </section>`;
}

/** The cluster whose rollouts are shown: `?cluster=` in the URL, else the sandbox's. */
const DEFAULT_CLUSTER = new URLSearchParams(location.search).get('cluster') ?? 'sandbox';

function App() {
  const [cluster, setCluster] = useState(DEFAULT_CLUSTER);
  return html`<header><h1>eksflow</h1>
      <label>cluster <input data-testid="cluster-input" value=${cluster} onChange=${(e: any) => setCluster(e.target.value.trim() || DEFAULT_CLUSTER)} /></label>
    </header>
    <main><${Rollouts} cluster=${cluster} /><div class="side"><${Clusters} onPick=${setCluster} /><${Operations} /></div></main>`;
}

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element to render into');
render(html`<${App} />`, root);
