// AWS Signature Version 4 verification (header-based, AWS4-HMAC-SHA256), pure apart from node:crypto.
// The canonical request follows AWS's "Create a signed AWS API request" (IAM user guide): for services other
// than S3 the path is URI-encoded a second time, the query sorted, header values trimmed.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a request whose x-amz-date is further than this from the server's clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  path: string;
  /** The raw query string, without "?" (empty when none). */
  query: string;
  /** Header name (any case) and value pairs as received, repeats allowed (Node's rawHeaders, paired). */
  headers: [string, string][];
  body: Buffer;
}

/** Why a request was refused; `code` is the AWS error type sent in X-Amzn-Errortype. */
export type SigV4Failure = {
  ok: false;
  code:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException';
  message: string;
};
export type SigV4Result = { ok: true; accessKeyId: string; region: string } | SigV4Failure;

export interface VerifyOptions {
  /** The service name the credential scope must name (AWS Batch: "batch"). */
  service: string;
  now: number;
  /** The secret of an access key id; undefined for a key that does not exist. */
  secretOf: (accessKeyId: string) => Promise<string | undefined>;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 unreserved characters stay; everything else is %XX in upper case (AWS's UriEncode). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

export function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  // Non-S3 services: each segment of the (already encoded) path is encoded again.
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return [uriEncode(safeDecode(key)), uriEncode(safeDecode(value))] as const;
    });
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValues(headers: [string, string][], name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim().replace(/\s+/g, ' '));
}

export function canonicalRequest(
  request: SignedRequest,
  signedHeaders: string[],
  payloadHash: string,
): string {
  const headerLines = signedHeaders.map(
    (name) => `${name}:${headerValues(request.headers, name).join(',')}\n`,
  );
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    headerLines.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export function signature(
  secret: string,
  amzDate: string,
  scope: { date: string; region: string; service: string },
  canonical: string,
): string {
  const stringToSign = [
    SIGV4_ALGORITHM,
    amzDate,
    `${scope.date}/${scope.region}/${scope.service}/aws4_request`,
    sha256Hex(canonical),
  ].join('\n');
  return createHmac('sha256', signingKey(secret, scope.date, scope.region, scope.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization | string {
  if (!header.startsWith(`${SIGV4_ALGORITHM} `))
    return `Authorization header must start with ${SIGV4_ALGORITHM} (only Signature Version 4 is accepted)`;
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGV4_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  if (!credential || !signedHeaders || !sig)
    return 'Authorization header requires Credential, SignedHeaders and Signature';
  const scope = credential.split('/');
  if (scope.length !== 5) return 'Credential must be <accessKeyId>/<date>/<region>/<service>/aws4_request';
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: signedHeaders.split(';'),
    signature: sig,
  };
}

/** Basic ISO 8601 as SigV4 writes it: 20150830T123600Z. */
function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

const fail = (code: SigV4Failure['code'], message: string): SigV4Failure => ({ ok: false, code, message });

/** What the headers alone establish: a well-formed, fresh, correctly scoped signature by a known key. */
export interface SigV4Credentials {
  ok: true;
  authorization: ParsedAuthorization;
  amzDate: string;
  secret: string;
}

/**
 * Every check that does not need the body, the key lookup included: run before reading the body, so an
 * unsigned or unknown client cannot make the server read (up to the body limit) anything.
 */
export async function checkSigV4Headers(
  headers: [string, string][],
  options: VerifyOptions,
): Promise<SigV4Credentials | SigV4Failure> {
  const authorization = headerValues(headers, 'authorization')[0];
  if (!authorization)
    return fail(
      'MissingAuthenticationTokenException',
      'Missing Authentication Token: sign the request with SigV4',
    );
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === 'string') return fail('IncompleteSignatureException', parsed);
  if (parsed.terminator !== 'aws4_request')
    return fail('IncompleteSignatureException', 'Credential scope must end with aws4_request');
  if (parsed.service !== options.service)
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${options.service}'`,
    );
  const signed = parsed.signedHeaders;
  if (!signed.includes('host') || signed.some((h) => h !== h.toLowerCase()))
    return fail('IncompleteSignatureException', 'SignedHeaders must be lower case and include host');
  const amzDate = headerValues(headers, 'x-amz-date')[0];
  if (!amzDate || !signed.includes('x-amz-date'))
    return fail('IncompleteSignatureException', 'the request must carry a signed X-Amz-Date header');
  const at = parseAmzDate(amzDate);
  if (at === undefined)
    return fail('IncompleteSignatureException', `X-Amz-Date is not yyyyMMddTHHmmssZ: ${amzDate}`);
  if (amzDate.slice(0, 8) !== parsed.date)
    return fail('InvalidSignatureException', 'Credential date does not match the X-Amz-Date day');
  if (Math.abs(options.now - at) > MAX_CLOCK_SKEW_MS)
    return fail(
      'InvalidSignatureException',
      'Signature expired: X-Amz-Date is more than 15 minutes from the server time',
    );
  const declared = headerValues(headers, 'x-amz-content-sha256')[0];
  if (declared !== undefined && !/^[0-9a-f]{64}$/.test(declared))
    return fail(
      'InvalidSignatureException',
      'X-Amz-Content-Sha256 must be the hex SHA-256 of the body (unsigned payloads are refused)',
    );
  const secret = await options.secretOf(parsed.accessKeyId);
  if (secret === undefined)
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  return { ok: true, authorization: parsed, amzDate, secret };
}

/** The signature over the whole request, body included, given what checkSigV4Headers established. */
export function checkSigV4Signature(request: SignedRequest, credentials: SigV4Credentials): SigV4Result {
  const { authorization, amzDate, secret } = credentials;
  const bodyHash = sha256Hex(request.body);
  const declared = headerValues(request.headers, 'x-amz-content-sha256')[0];
  if (declared !== undefined && declared !== bodyHash)
    return fail('InvalidSignatureException', 'X-Amz-Content-Sha256 does not match the body');
  const canonical = canonicalRequest(request, authorization.signedHeaders, bodyHash);
  const expected = signature(secret, amzDate, authorization, canonical);
  const given = Buffer.from(authorization.signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted))
    return fail(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  return { ok: true, accessKeyId: authorization.accessKeyId, region: authorization.region };
}

export async function verifySigV4(request: SignedRequest, options: VerifyOptions): Promise<SigV4Result> {
  const credentials = await checkSigV4Headers(request.headers, options);
  return credentials.ok ? checkSigV4Signature(request, credentials) : credentials;
}
