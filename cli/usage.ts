// Usage text, one block per command, printed by --help and after a usage error.
export const COMMAND_USAGE = {
  up: [
    'gpubatch up [--role all|api|scheduler]',
    '  Start the service in this process. --role (or GPUBATCH_ROLE) picks a part of it:',
    '  all        API, scheduler and local executor (default; starts its own Redis if needed)',
    '  api        the REST API only; needs REDIS_URL, the scheduler runs elsewhere',
    '  scheduler  leader election, placement and workers; its port serves /healthz, /readyz, /metrics',
  ].join('\n'),
  submit: [
    'gpubatch submit <file> [--wait] [--json]',
    'gpubatch submit --definition <name[:revision]> [--param <name=value>]... [--name <n>] [--queue <q>] [--wait] [--json]',
    '  Submit the job spec in <file> (YAML or JSON). Relative input, output and model',
    '  paths are resolved against the current directory.',
    '  --definition  submit from a job definition (its latest ACTIVE revision, or that revision);',
    "                --param sets a Ref::name placeholder, over the definition's default",
    '  --wait   poll until the job ends; exit 0 if it SUCCEEDED, 1 if it FAILED',
    '  --json   print the job record instead of the id',
    '  [--array-size N] [--max-concurrent M] [--depends-on <id>]... [--n-to-n <array id>]... [--sequential]',
    '           an array job of N children (each sees its index in GPUBATCH_ARRAY_INDEX), M at once;',
    "           jobs it waits for (added to the file's dependsOn); --n-to-n: child i waits for child i",
    '           of that array; --sequential: child i waits for child i-1',
  ].join('\n'),
  describe:
    'gpubatch describe <id> [--json]\n  Show a job: status, attempts, placement, timings, output; an array: its children per status.',
  'retry-failed': [
    'gpubatch retry-failed <id> [--json]',
    '  Run the FAILED children of a finished array job again (the parent is PENDING until they finish).',
  ].join('\n'),
  ls: [
    'gpubatch ls [--queue <q>] [--status <S>] [--name <prefix>] [--share <s>] [--created-after <t>]',
    '            [--created-before <t>] [--limit <n>] [--cursor <c> | --all] [--json]',
    '  List jobs, newest first. S is one of SUBMITTED PENDING RUNNABLE STARTING RUNNING SUCCEEDED FAILED.',
    '  --name matches a name prefix (a trailing * is allowed); t is epoch ms or an ISO 8601 date-time',
    '  (both bounds exclusive). --limit is 1..1000 per page (default 100); --all follows the cursors.',
  ].join('\n'),
  logs: [
    'gpubatch logs <id> [-f|--follow] [--attempt <n>] [--tail <n>]',
    "  Print a job attempt's log (default: the latest attempt). --follow streams it until the attempt",
    '  ends; --tail prints only the last n lines. Needs an executor that keeps logs (Kubernetes).',
  ].join('\n'),
  cancel:
    'gpubatch cancel <id> [--reason <text>] [--json]\n  Cancel a job that has not started (SUBMITTED, PENDING, RUNNABLE).',
  terminate:
    'gpubatch terminate <id> [--reason <text>] [--json]\n  Terminate a job that has not finished, stopping its running attempt.',
  'job-definitions': [
    'gpubatch job-definitions register <file> [--json]',
    'gpubatch job-definitions ls [--name <n>] [--status ACTIVE|INACTIVE] [--limit <n>] [--cursor <c>] [--json]',
    'gpubatch job-definitions describe <name[:revision]> [--json]',
    'gpubatch job-definitions deregister <name:revision> [--json]',
    '  Job definitions: each register of a name is its next revision; deregister makes one INACTIVE',
    '  (still described, no new jobs). describe <name> shows every revision, newest first.',
  ].join('\n'),
  queues: [
    'gpubatch queues ls [--json]',
    'gpubatch queues describe <name> [--json]',
    'gpubatch queues create <name> [settings] [--json]',
    'gpubatch queues update <name> [settings] [--json]',
    '  Job queues, created and changed while the service runs (the config only seeds them). Settings:',
    '  --priority <n>                 higher-priority queues are served first (-1000..1000; --priority=-5)',
    '  --state ENABLED|DISABLED       a DISABLED queue takes no new jobs; the ones it has still run',
    '  --max-concurrent-jobs <n|none> at most n of its jobs starting or running at once',
    '  --max-runnable-seconds <s|none> cancel jobs waiting RUNNABLE longer than s',
    '  --compute-environment <name>   the compute environment it feeds',
    '  --can-preempt true|false       its jobs may stop lower-priority preemptible jobs',
    '  --preemptible true|false       its running jobs may be stopped for higher-priority ones',
  ].join('\n'),
  'compute-environments': [
    'gpubatch compute-environments ls [--json]',
    'gpubatch compute-environments describe <name> [--json]',
    'gpubatch compute-environments update <name> [--state ENABLED|DISABLED] [--max-nodes <n|none>] [--json]',
    '  Compute environments (node pools; configured in GPUBATCH_CONFIG). update changes them while the',
    '  service runs: DISABLED places nothing new (running jobs finish); --max-nodes places on at most n',
    '  of its nodes (by name) and caps the autoscaling signal.',
  ].join('\n'),
  keys: [
    'gpubatch keys create --tenant <tenant> [--json]',
    'gpubatch keys delete <accessKeyId>',
    '  Create an access key for the AWS-Batch-compatible endpoint (aws --endpoint-url ...; docs/aws-batch.md).',
    '  Prints the access key id and the secret (shown once); --json: {accessKeyId, secretAccessKey}.',
    '  delete revokes a key at once.',
  ].join('\n'),
  simulate: [
    'gpubatch simulate --cluster <nodes.csv|yaml> --trace <jobs.csv> --policy <name[,name...]>',
    '                  [--mode queue|online-drop] [--inflate F] [--seed N] [--json] [--plot out.svg]',
    '                  [--share-weights a=1,b=2] [--half-life S] [--horizon S] [--window N] [--queues queues.yaml]',
    '  Replay a trace through the scheduler core on virtual time (no server needed).',
    '  queue        arrivals and departures; makespan, waits, GPU allocation, GPU-hours per share, fairness',
    '  online-drop  place jobs one at a time until arrived GPU demand is F x the cluster (--inflate, default 1),',
    '               dropping what fits nowhere; allocated and fragmented GPU % at each arrived %',
    '  --plot       write an SVG chart; --share-weights, --half-life, --horizon (seconds): queue mode',
    '  --window     pending jobs per queue offered to the core each cycle, as the service (default 256; 0: all)',
    '  --queues     queues: (priority, canPreempt, preemptible), fairShare: and windowPerQueue: as in the service config',
  ].join('\n'),
  'gen-trace': [
    'gpubatch gen-trace --jobs <n> --seed <s> [--fractional 0.4] [--multi-gpu 0.2] [--model-constrained 0.1]',
    '                   [--cpu-only 0.05] [--out jobs.csv]',
    '  Write a synthetic jobs CSV: the fractions of GPU-share, multi-GPU, model-constrained and CPU-only jobs.',
  ].join('\n'),
  'gen-cluster': [
    'gpubatch gen-cluster --nodes <n> --seed <s> [--out nodes.csv]',
    '  Write a heterogeneous nodes CSV: several GPU models, 2, 4 or 8 GPUs per node.',
  ].join('\n'),
} as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export const USAGE = [
  'Usage: gpubatch <command> [options]',
  '',
  ...Object.values(COMMAND_USAGE).flatMap((text) => [text, '']),
  'Environment:',
  '  GPUBATCH_URL    the server (default http://127.0.0.1:8080)',
  '  GPUBATCH_TOKEN  bearer token, when the server requires one',
  '',
  'Exit codes: 0 success, 1 job failed or server unreachable/failing, 2 bad usage or rejected request.',
  '',
].join('\n');
