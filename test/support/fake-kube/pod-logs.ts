// Container logs as the kubelet keeps them, and GET pods/{name}/log over them (tailLines,
// timestamps, limitBytes, follow until the container ends).
import type { ServerResponse } from 'node:http';
import type { KubeObject } from './resources.ts';
import { statuses } from './status.ts';

interface LogLine {
  at: number;
  text: string;
}

interface ContainerLog {
  lines: LogLine[];
  ended: boolean;
  followers: Set<(line: LogLine | 'end') => void>;
}

export class PodLogs {
  // Keyed by pod uid, so a new pod with an old pod's name starts with an empty log.
  readonly #logs = new Map<string, ContainerLog>();

  #log(podUid: string, container: string): ContainerLog {
    const k = `${podUid}/${container}`;
    let log = this.#logs.get(k);
    if (!log) {
      log = { lines: [], ended: false, followers: new Set() };
      this.#logs.set(k, log);
    }
    return log;
  }

  /** Appends lines (split on newlines) to a container's log. */
  write(podUid: string, container: string, text: string): void {
    const log = this.#log(podUid, container);
    for (const t of text.replace(/\n$/, '').split('\n')) {
      const line = { at: Date.now(), text: t };
      log.lines.push(line);
      for (const f of log.followers) f(line);
    }
  }

  /** The container has exited: followers get the end of the stream. */
  end(podUid: string, container: string): void {
    const log = this.#log(podUid, container);
    log.ended = true;
    for (const f of log.followers) f('end');
    log.followers.clear();
  }

  lines(podUid: string, container: string): string[] {
    return this.#log(podUid, container).lines.map((l) => l.text);
  }

  forget(podUid: string): void {
    for (const k of this.#logs.keys()) if (k.startsWith(`${podUid}/`)) this.#logs.delete(k);
  }

  serve(pod: KubeObject, query: URLSearchParams, res: ServerResponse): void {
    const name = pod.metadata.name as string;
    const names: string[] = (pod.spec.containers ?? []).map((c: { name: string }) => c.name);
    const container = query.get('container') || (names.length === 1 ? names[0] : undefined);
    if (!container) {
      throw statuses.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    }
    if (!names.includes(container))
      throw statuses.badRequest(`container ${container} is not valid for pod ${name}`);
    const status = (pod.status?.containerStatuses ?? []).find((s: { name: string }) => s.name === container);
    if (!status || status.state?.waiting) {
      const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
      throw statuses.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
    }
    const log = this.#log(pod.metadata.uid as string, container);
    const timestamps = query.get('timestamps') === 'true';
    const format = (l: LogLine) => `${timestamps ? `${new Date(l.at).toISOString()} ` : ''}${l.text}\n`;
    const tail = query.get('tailLines');
    const sinceSeconds = Number(query.get('sinceSeconds') ?? 0);
    let lines =
      sinceSeconds > 0 ? log.lines.filter((l) => l.at >= Date.now() - sinceSeconds * 1000) : log.lines;
    if (tail !== null) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
    let budget = Number(query.get('limitBytes') ?? 0) || Number.POSITIVE_INFINITY;
    res.writeHead(200, { 'content-type': 'text/plain' });
    const send = (l: LogLine) => {
      const chunk = Buffer.from(format(l)).subarray(0, budget);
      budget -= chunk.length;
      res.write(chunk);
      return budget > 0;
    };
    for (const l of lines) if (!send(l)) return void res.end();
    const follow = query.get('follow') === 'true';
    if (!follow || log.ended) return void res.end();
    const follower = (l: LogLine | 'end') => {
      if (l === 'end' || !send(l)) {
        log.followers.delete(follower);
        res.end();
      }
    };
    log.followers.add(follower);
    res.on('close', () => log.followers.delete(follower));
  }
}
