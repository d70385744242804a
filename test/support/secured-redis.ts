// A redis-server that wants credentials (requirepass, an ACL user) and optionally speaks only TLS, with a
// throwaway CA and certificate made by openssl in its directory. For the Redis security tests.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeRedis } from '../../scheduler/store/embedded-redis.ts';
import { freePort } from '../../scheduler/store/free-port.ts';

export interface SecuredRedisOptions {
  /** The default user's password (requirepass). */
  password: string;
  /** An extra ACL user with every permission. */
  user?: { name: string; password: string };
  /** Serve TLS only (no plain port). */
  tls?: boolean;
}

export interface SecuredRedis {
  port: number;
  dir: string;
  /** redis:// or rediss://, without credentials. */
  baseUrl: string;
  /** The CA that signed the server's certificate (TLS only). */
  caFile?: string;
  /** baseUrl with `user:password@`. */
  urlWith(user: string, password: string): string;
  stop(): Promise<void>;
}

export async function startSecuredRedis(options: SecuredRedisOptions): Promise<SecuredRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-secured-redis-'));
  const port = await freePort();
  const args = ['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  args.push('--maxmemory-policy', 'noeviction', '--requirepass', options.password);
  if (options.user)
    args.push('--user', options.user.name, 'on', `>${options.user.password}`, '~*', '&*', '+@all');
  let caFile: string | undefined;
  if (options.tls) {
    const files = makeCertificates(dir);
    caFile = files.ca;
    args.push(
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      files.cert,
      '--tls-key-file',
      files.key,
    );
    args.push('--tls-ca-cert-file', files.ca, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const urlWith = (user: string, password: string) =>
    baseUrl.replace('://', `://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`);
  await waitUntilAnswering(urlWith('', options.password), child, () => output, caFile);
  return {
    port,
    dir,
    baseUrl,
    ...(caFile ? { caFile } : {}),
    urlWith,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string, caFile?: string) {
  const previous = process.env.GPUBATCH_REDIS_CA_FILE;
  if (caFile) process.env.GPUBATCH_REDIS_CA_FILE = caFile;
  try {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${output()}`);
      if ((await probeRedis(url)).ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer in 10 s: ${output()}`);
  } finally {
    if (caFile) {
      if (previous === undefined) delete process.env.GPUBATCH_REDIS_CA_FILE;
      else process.env.GPUBATCH_REDIS_CA_FILE = previous;
    }
  }
}

/** A CA and a server certificate for 127.0.0.1 signed by it, valid for a day. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=gpubatch test CA',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
  );
  const extensions = path('server.ext');
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.crt'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    path('server.crt'),
    '-extfile',
    extensions,
  );
  return { ca: path('ca.crt'), cert: path('server.crt'), key: path('server.key') };
}
