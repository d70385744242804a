// Signs any request with AWS Signature Version 4 (header form), bytes as given, so a test can send hostile
// bodies that pass the signature check and reach the AWS-compatible operations.
import { canonicalRequest, SIGV4_ALGORITHM, sha256Hex, signature } from '../../../api/aws/sigv4.ts';

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export function sigV4Headers(
  key: AwsKey,
  request: { method: string; host: string; path: string; body: string; contentType: string },
  now = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const region = 'eu-west-1';
  const payloadHash = sha256Hex(Buffer.from(request.body, 'utf8'));
  const headers: [string, string][] = [
    ['content-type', request.contentType],
    ['host', request.host],
    ['x-amz-date', amzDate],
  ];
  const signed = headers.map(([name]) => name);
  const canonical = canonicalRequest(
    { method: request.method, path: request.path, query: '', headers, body: Buffer.alloc(0) },
    signed,
    payloadHash,
  );
  const scope = { date, region, service: 'batch' };
  return {
    'content-type': request.contentType,
    'x-amz-date': amzDate,
    authorization: `${SIGV4_ALGORITHM} Credential=${key.accessKeyId}/${date}/${region}/batch/aws4_request, SignedHeaders=${signed.join(';')}, Signature=${signature(key.secretAccessKey, amzDate, scope, canonical)}`,
  };
}
