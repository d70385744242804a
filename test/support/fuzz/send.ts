// Sends a HostileRequest over keep-alive HTTP and reports what came back, without ever throwing: a refused
// connection or a request that does not end are outcomes the fuzz test checks for.
import { adminHeaders } from '../full-api-stack.ts';
import type { HostileRequest } from './requests.ts';
import { type AwsKey, sigV4Headers } from './sigv4-signer.ts';

export interface Outcome {
  status: number;
  contentType: string;
  /** Set when no response came (connection reset, timeout). */
  error?: string;
  /** The Location header of a 201 (a created job's URL). */
  location?: string;
}

const TIMEOUT_MS = 10_000;

function credentialHeaders(request: HostileRequest, url: string, key: AwsKey): Record<string, string> {
  if (request.signed) {
    const { host, pathname } = new URL(url + request.target);
    return sigV4Headers(key, {
      method: request.method,
      host,
      path: pathname,
      body: request.body ?? '',
      contentType: request.headers['content-type'] ?? 'application/json',
    });
  }
  if (request.credentials === 'admin') return adminHeaders();
  if (request.credentials === 'bogus') return { authorization: 'Bearer not-a-token-of-this-service' };
  return {};
}

export async function send(url: string, request: HostileRequest, key: AwsKey): Promise<Outcome> {
  const headers = { ...request.headers, ...credentialHeaders(request, url, key) };
  try {
    const response = await fetch(url + request.target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const contentType = response.headers.get('content-type') ?? '';
    // A stream answers its headers and then stays open: the status is all there is to check.
    if (request.streams && response.ok) await response.body?.cancel();
    else await response.arrayBuffer();
    const location = response.status === 201 ? response.headers.get('location') : null;
    return { status: response.status, contentType, ...(location ? { location } : {}) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      status: 0,
      contentType: '',
      error: `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`,
    };
  }
}
