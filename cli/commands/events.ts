// gpubatch events [--job <id> | --queue <q>] [--since <event id>] [--json]: follows the job events stream
// (GET /v1/events or /v1/jobs/:id/events, Server-Sent Events) and prints a line per event.
import { TERMINAL_STATUSES } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import { type CliContext, sleeperOf } from '../context.ts';
import { CliError, EXIT, ServerUnreachableError, UsageError } from '../errors.ts';
import { eventJson, eventLine, type JobEventData } from '../events-view.ts';
import type { SseEvent } from '../sse.ts';
import { COMMAND_USAGE } from '../usage.ts';

const EVENT_ID = /^\d+-\d+$/;
/** A dropped connection is retried this often, this far apart, from the last event received. */
const RECONNECT_TRIES = 5;
const RECONNECT_MS = 1000;

function streamPath(job: string | undefined, queue: string | undefined): string {
  if (job !== undefined) return `/v1/jobs/${encodeURIComponent(job)}/events`;
  return queue === undefined ? '/v1/events' : `/v1/events?${new URLSearchParams({ queue })}`;
}

export async function eventsCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'events',
    args,
    {
      job: { type: 'string' },
      queue: { type: 'string' },
      since: { type: 'string' },
      json: { type: 'boolean' },
    },
    [],
  );
  const usage = COMMAND_USAGE.events;
  if (values.since !== undefined && !EVENT_ID.test(values.since))
    throw new UsageError(
      `events: --since must be an event id such as 1700000000000-0 (0-0: all kept), not "${values.since}"`,
      usage,
    );
  if (values.job !== undefined && values.queue !== undefined)
    throw new UsageError('events: --job and --queue cannot be combined (a job has one queue)', usage);
  for (const flag of ['job', 'queue'] as const)
    if (values[flag] === '') throw new UsageError(`events: --${flag} must not be empty`, usage);

  const json = values.json === true;
  const colour = ctx.stdoutIsTTY === true && !ctx.env['NO_COLOR'];
  const path = streamPath(values.job, values.queue);
  const client = apiClient(ctx);
  const sleep = sleeperOf(ctx);
  const stop = new AbortController();
  const removeInterrupt = ctx.onInterrupt?.(() => stop.abort());
  let resumeAfter = values.since;
  // A job's fresh stream starts with its history, which has no ids: after a reconnect before any id,
  // that history comes again and is not printed twice.
  const printedWithoutId = new Set<string>();

  const onEvent = (event: SseEvent) => {
    if (event.id) resumeAfter = event.id;
    else if (printedWithoutId.has(event.data)) return;
    else printedWithoutId.add(event.data);
    // The server ends a stream whose token was revoked: reconnecting with it could only be refused.
    if (event.event === 'revoked')
      throw new CliError('events: the server ended the stream: this token was revoked', EXIT.failure);
    if (event.event === 'missed') {
      if (json) ctx.stdout.write(`${eventJson(event)}\n`);
      else ctx.stderr.write('events: older events were trimmed from the server; some are missing here\n');
      return;
    }
    const line = json ? eventJson(event) : eventLine(event, colour);
    if (line === undefined) return;
    ctx.stdout.write(`${line}\n`);
    // Following one job ends with it.
    const data = JSON.parse(event.data) as JobEventData;
    if (values.job !== undefined && data.status !== undefined && TERMINAL_STATUSES.includes(data.status))
      stop.abort();
  };

  // A stream that ends or breaks after it opened is resumed where it stopped (as EventSource does);
  // one that cannot be opened at all is an error at once.
  let opened = false;
  let received = 0;
  try {
    for (let tries = 0; ; ) {
      const before = received;
      let broken: ServerUnreachableError | undefined;
      try {
        const options = { lastEventId: resumeAfter, signal: stop.signal, onOpen: () => (opened = true) };
        await client.streamEvents(path, options, (event) => {
          received++;
          onEvent(event);
        });
      } catch (error) {
        if (!(error instanceof ServerUnreachableError) || !opened) throw error;
        broken = error;
      }
      if (stop.signal.aborted) return EXIT.ok;
      tries = received > before ? 1 : tries + 1;
      if (tries > RECONNECT_TRIES)
        throw new CliError(
          `${broken?.message ?? 'the server keeps ending the event stream'} (gave up after ${RECONNECT_TRIES} tries)`,
          EXIT.failure,
        );
      const from = resumeAfter ? ` after event ${resumeAfter}` : '';
      ctx.stderr.write(`events: the stream ended; reconnecting${from}\n`);
      await sleep(RECONNECT_MS);
      if (stop.signal.aborted) return EXIT.ok;
    }
  } finally {
    removeInterrupt?.();
  }
}
