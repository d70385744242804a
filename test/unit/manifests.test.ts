// manifests/: every overlay renders with `kubectl kustomize` (KUBECTL picks the binary; .ci/run installs
// Debian's kubernetes-client when there is none), every object conforms to the Kubernetes schemas
// offline, and the policies the deployment promises hold: restricted pods, least-privilege RBAC, Redis
// reachable only from the API and the scheduler, Lease leader election that takes over within 15 s.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse, parseAllDocuments } from 'yaml';
import { LeaderElectionSchema, worstCaseTakeoverSeconds } from '../../scheduler/leader-election-config.ts';
import { validateAs, validateKubeObject } from '../support/kube-schema.ts';

const MANIFESTS = fileURLToPath(new URL('../../manifests/', import.meta.url));
const OVERLAYS = ['gpu-pool', 'dev-cpu'] as const;
const KUBECTL = process.env.KUBECTL || 'kubectl';

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML is walked field by field below
type Obj = Record<string, any>;

function render(dir: string): Obj[] {
  let out: string;
  try {
    out = execFileSync(KUBECTL, ['kustomize', `${MANIFESTS}${dir}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        `${KUBECTL} not found: the manifests tests need kubectl (apt-get install kubernetes-client, or set KUBECTL)`,
      );
    throw new Error(`${KUBECTL} kustomize manifests/${dir} failed: ${e.stderr ?? e.message}`);
  }
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const rendered = new Map<string, Obj[]>();
function objects(overlay: string): Obj[] {
  if (!rendered.has(overlay)) rendered.set(overlay, render(`overlays/${overlay}`));
  return rendered.get(overlay)!;
}
const find = (list: Obj[], kind: string, name: string) => {
  const found = list.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the render`);
  return found;
};
const podTemplates = (list: Obj[]) =>
  list
    .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
    .map((o) => ({ owner: o, pod: o.spec.template }));
const serviceConfig = (list: Obj[]) =>
  parse(find(list, 'ConfigMap', 'gpubatch-config').data['gpubatch.yaml']) as Obj;

test('the schema check itself finds a misspelled field, a wrong type and a missing required field', (t) => {
  const problems = validateKubeObject({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      replicas: 'two',
      selector: { matchLabels: { a: 'b' } },
      template: { spec: { containers: [{ name: 'c', readinessprobe: {}, imagePullPolicy: 'Sometimes' }] } },
    },
  });

  t.deepEqual(problems, [
    'Deployment/x.spec.replicas: expected a number, got "two"',
    'Deployment/x.spec.template.spec.containers[0].readinessprobe: unknown field of V1Container',
    'Deployment/x.spec.template.spec.containers[0].imagePullPolicy: "Sometimes" is not one of Always, IfNotPresent, Never',
    'Deployment/x: spec.template.spec.containers[0].image is required',
  ]);
});

for (const overlay of OVERLAYS) {
  test(`${overlay}: every rendered object conforms to its Kubernetes schema`, (t) => {
    const list = objects(overlay);
    t.true(list.length > 15, `only ${list.length} objects rendered`);
    t.deepEqual(list.flatMap(validateKubeObject), []);
  });

  test(`${overlay}: the namespace enforces Pod Security restricted and every pod template complies`, (t) => {
    const list = objects(overlay);
    const labels = find(list, 'Namespace', 'gpubatch').metadata.labels;
    t.is(labels['pod-security.kubernetes.io/enforce'], 'restricted');
    const problems: string[] = [];
    for (const { owner, pod } of podTemplates(list)) {
      const where = `${owner.kind}/${owner.metadata.name}`;
      const podContext = pod.spec.securityContext ?? {};
      if (podContext.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot`);
      if (podContext.runAsUser === 0) problems.push(`${where}: runAsUser 0`);
      if (pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC)
        problems.push(`${where}: host namespaces`);
      if ((pod.spec.volumes ?? []).some((v: Obj) => v.hostPath)) problems.push(`${where}: hostPath volume`);
      for (const container of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
        const c = container.securityContext ?? {};
        const at = `${where} container ${container.name}`;
        if (c.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation not false`);
        if (c.privileged) problems.push(`${at}: privileged`);
        if (!(c.capabilities?.drop ?? []).includes('ALL'))
          problems.push(`${at}: capabilities not dropping ALL`);
        if ((c.capabilities?.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE'))
          problems.push(`${at}: adds capabilities`);
        const seccomp = c.seccompProfile?.type ?? podContext.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at}: seccompProfile`);
        if (c.runAsNonRoot === false || c.runAsUser === 0) problems.push(`${at}: runs as root`);
        if (!container.resources?.requests || !container.resources?.limits?.memory)
          problems.push(`${at}: requests and a memory limit`);
      }
    }
    t.deepEqual(problems, []);
  });

  test(`${overlay}: only the scheduler and the API (pod logs) get a service account token, and RBAC grants no more than they use`, (t) => {
    const list = objects(overlay);
    const tokens = podTemplates(list).map(({ owner, pod }) => [
      owner.metadata.name,
      pod.spec.automountServiceAccountToken,
      pod.spec.serviceAccountName,
    ]);
    t.deepEqual(tokens, [
      ['gpubatch-api', true, 'gpubatch-api'],
      ['gpubatch-scheduler', true, 'gpubatch-scheduler'],
      ['gpubatch-redis', false, 'gpubatch-redis'],
    ]);
    t.is(find(list, 'ServiceAccount', 'gpubatch-runner').automountServiceAccountToken, false);

    const rules = (o: Obj) =>
      o.rules.map(
        (r: Obj) =>
          `${r.apiGroups.join(',')}|${r.resources.join(',')}|${(r.resourceNames ?? []).join(',')}|${r.verbs.join(',')}`,
      );
    t.deepEqual(rules(find(list, 'Role', 'gpubatch-scheduler')), [
      '|pods||get,list,watch,create,delete',
      '|pods/binding||create',
      '|pods/log||get',
      '|events||get,list,watch,create,patch',
      'coordination.k8s.io|leases||create',
      'coordination.k8s.io|leases|gpubatch-scheduler|get,update',
    ]);
    t.deepEqual(rules(find(list, 'ClusterRole', 'gpubatch-node-reader')), ['|nodes||get,list,watch']);
    t.deepEqual(rules(find(list, 'Role', 'gpubatch-api-logs')), ['|pods/log||get']);
    const roles = list.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    t.deepEqual(
      roles.map((o) => o.metadata.name).sort(),
      ['gpubatch-api-logs', 'gpubatch-node-reader', 'gpubatch-scheduler'],
      'no other roles',
    );
    const bindings = list.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    t.deepEqual(
      bindings
        .flatMap((b) =>
          b.subjects.map((s: Obj) => `${b.kind} ${b.roleRef.name}:${s.kind}/${s.namespace}/${s.name}`),
        )
        .sort(),
      [
        'ClusterRoleBinding gpubatch-node-reader:ServiceAccount/gpubatch/gpubatch-scheduler',
        'RoleBinding gpubatch-api-logs:ServiceAccount/gpubatch/gpubatch-api',
        'RoleBinding gpubatch-scheduler:ServiceAccount/gpubatch/gpubatch-scheduler',
      ],
    );
  });

  test(`${overlay}: network policies let only the API and the scheduler reach Redis`, (t) => {
    const list = objects(overlay);
    const policies = list.filter((o) => o.kind === 'NetworkPolicy');
    const pod = (component: string) => ({
      namespace: 'gpubatch',
      labels: { 'app.kubernetes.io/name': 'gpubatch', 'app.kubernetes.io/component': component },
    });
    const redis = pod('redis');
    const reach = (from: Peer, port: number) => ingressAllowed(policies, from, redis, port);

    t.true(reach(pod('api'), 6379));
    t.true(reach(pod('scheduler'), 6379));
    t.false(reach(pod('runner'), 6379), 'job pods');
    t.false(reach({ namespace: 'gpubatch', labels: {} }, 6379), 'unlabelled pods of the namespace');
    t.false(
      reach({ namespace: 'other', labels: pod('api').labels }, 6379),
      'look-alikes in other namespaces',
    );
    t.false(reach(pod('api'), 6380), 'other ports');
    t.true(
      ingressAllowed(policies, { namespace: 'anywhere', labels: {} }, pod('api'), 8080),
      'users reach the API',
    );
    t.false(ingressAllowed(policies, pod('api'), pod('runner'), 8080), 'job pods accept nothing');
  });

  test(`${overlay}: Deployments, Services and budgets line up: 2 API and 2 scheduler replicas, PDBs and Services select them`, (t) => {
    const list = objects(overlay);
    const api = find(list, 'Deployment', 'gpubatch-api');
    const scheduler = find(list, 'Deployment', 'gpubatch-scheduler');
    t.is(api.spec.replicas, 2);
    t.is(scheduler.spec.replicas, 2);
    t.deepEqual(api.spec.template.spec.containers[0].args, ['up', '--role', 'api']);
    t.deepEqual(scheduler.spec.template.spec.containers[0].args, ['up', '--role', 'scheduler']);
    for (const workload of list.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))) {
      t.true(
        selects(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels),
        workload.metadata.name,
      );
    }
    for (const selecting of list.filter((o) => ['Service', 'PodDisruptionBudget'].includes(o.kind))) {
      const selector =
        selecting.kind === 'Service' ? selecting.spec.selector : selecting.spec.selector.matchLabels;
      const targets = podTemplates(list).filter(({ pod }) => selects(selector, pod.metadata.labels));
      t.is(targets.length, 1, `${selecting.kind}/${selecting.metadata.name} selects one workload`);
    }
    t.deepEqual(
      list.filter((o) => o.kind === 'PodDisruptionBudget').map((p) => [p.metadata.name, p.spec.minAvailable]),
      [
        ['gpubatch-api', 1],
        ['gpubatch-scheduler', 1],
      ],
    );
    const probes = scheduler.spec.template.spec.containers[0];
    t.is(probes.readinessProbe.httpGet.path, '/readyz');
    t.is(probes.livenessProbe.httpGet.path, '/healthz');
  });

  test(`${overlay}: Redis is a StatefulSet on a PVC with AOF and noeviction, its password from a Secret`, (t) => {
    const list = objects(overlay);
    const redis = find(list, 'StatefulSet', 'gpubatch-redis');
    const container = redis.spec.template.spec.containers[0];
    const args = (container.args as string[]).join(' ');
    t.regex(args, /--appendonly yes/);
    t.regex(args, /--appendfsync always/, 'an accepted job is on disk before the 201');
    t.regex(args, /--maxmemory-policy noeviction/);
    t.regex(args, /--requirepass \$\(REDIS_PASSWORD\)/);
    t.deepEqual(container.env[0].valueFrom.secretKeyRef, { name: 'gpubatch-redis', key: 'password' });
    t.is(redis.spec.volumeClaimTemplates[0].metadata.name, 'data');
    t.true(container.volumeMounts.some((m: Obj) => m.name === 'data' && m.mountPath === '/data'));
  });

  test(`${overlay}: the API and the scheduler get the Redis password from the Secret, never written in REDIS_URL`, (t) => {
    const list = objects(overlay);
    for (const name of ['gpubatch-api', 'gpubatch-scheduler']) {
      const env = find(list, 'Deployment', name).spec.template.spec.containers[0].env as Obj[];
      const variable = (key: string) => env.find((e) => e.name === key);
      t.deepEqual(
        variable('REDIS_PASSWORD')?.valueFrom.secretKeyRef,
        { name: 'gpubatch-redis', key: 'password' },
        name,
      );
      t.is(variable('REDIS_URL')?.value, 'redis://gpubatch-redis:6379', name);
    }
  });

  test(`${overlay}: the config elects the scheduler through a Lease within 15 s, and job pods run the Deployments' image`, (t) => {
    const list = objects(overlay);
    const config = serviceConfig(list);
    const election = LeaderElectionSchema.parse(config.leaderElection);
    t.is(election.type, 'kubernetes-lease');
    t.true(election.type === 'kubernetes-lease' && worstCaseTakeoverSeconds(election) <= 15);
    t.true(
      election.type === 'kubernetes-lease' && election.leaseName === 'gpubatch-scheduler',
      'the name RBAC allows',
    );
    const image = find(list, 'Deployment', 'gpubatch-scheduler').spec.template.spec.containers[0].image;
    const environments = config.computeEnvironments as Obj[];
    t.true(environments.length > 0);
    for (const environment of environments) {
      // The pod-shaped fields job pods get must be valid Kubernetes values, though they sit in a ConfigMap.
      t.deepEqual(
        [
          ...validateAs(environment.tolerations ?? [], 'Array<V1Toleration>', 'tolerations'),
          ...validateAs(environment.nodeSelector ?? {}, '{ [key: string]: string; }', 'nodeSelector'),
        ],
        [],
      );
      t.is(environment.type, 'kubernetes');
      t.is(environment.namespace, 'gpubatch');
      t.is(environment.image, image, 'keep the runner image and the Deployments in step');
      t.is(environment.serviceAccountName, 'gpubatch-runner');
    }
    for (const queue of config.queues as Obj[])
      t.true(
        environments.some((e) => e.name === queue.computeEnvironment),
        `queue ${queue.name}`,
      );
  });
}

test('gpu-pool: job pods are sent to GPU nodes and tolerate the nvidia.com/gpu taint', (t) => {
  const [environment] = serviceConfig(objects('gpu-pool')).computeEnvironments as Obj[];
  t.is(environment!.nodeSelector['nvidia.com/gpu.present'], 'true');
  t.deepEqual(environment!.tolerations, [
    { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
  ]);
  t.false(
    objects('gpu-pool').some((o) => o.kind === 'Secret'),
    'no Secret is committed for a real cluster: you create gpubatch-redis',
  );
});

test('dev-cpu: no GPU toleration, and the Redis password Secret is generated under the name the pods use', (t) => {
  const list = objects('dev-cpu');
  const [environment] = serviceConfig(list).computeEnvironments as Obj[];
  t.is(environment!.tolerations, undefined);
  const secret = find(list, 'Secret', 'gpubatch-redis');
  t.is(secret.metadata.namespace, 'gpubatch');
  t.truthy(secret.data.password);
});

interface Peer {
  namespace: string;
  labels: Record<string, string>;
}

/** Kubernetes NetworkPolicy ingress semantics for the selectors used here (matchLabels, matchExpressions In). */
function ingressAllowed(policies: Obj[], from: Peer, to: Peer, port: number): boolean {
  const applying = policies.filter(
    (p) =>
      p.metadata.namespace === to.namespace &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      selectorMatches(p.spec.podSelector, to.labels),
  );
  if (applying.length === 0) return true; // not isolated
  return applying.some((p) =>
    (p.spec.ingress ?? []).some((rule: Obj) => {
      const portOk =
        !rule.ports || rule.ports.some((r: Obj) => r.port === port && (r.protocol ?? 'TCP') === 'TCP');
      const peerOk =
        !rule.from ||
        rule.from.some((peer: Obj) => {
          if (peer.namespaceSelector && Object.keys(peer.namespaceSelector).length > 0)
            throw new Error('namespace label selectors are not modelled by this test');
          const namespaceOk = peer.namespaceSelector ? true : from.namespace === to.namespace;
          const podOk = peer.podSelector ? selectorMatches(peer.podSelector, from.labels) : true;
          return namespaceOk && podOk;
        });
      return portOk && peerOk;
    }),
  );
}

function selectorMatches(selector: Obj, labels: Record<string, string>): boolean {
  const simple = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const expressions = (selector.matchExpressions ?? []).every((e: Obj) => {
    if (e.operator !== 'In') throw new Error(`selector operator ${e.operator} not modelled by this test`);
    return e.values.includes(labels[e.key]);
  });
  return simple && expressions;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
