// SigV4 verification: AWS's published test-suite vectors, and each way a request can be refused.
import test from 'ava';
import {
  canonicalRequest,
  type SignedRequest,
  sha256Hex,
  signature,
  verifySigV4,
} from '../../api/aws/sigv4.ts';

// The aws-sig-v4-test-suite credentials and instant (get-vanilla, post-vanilla).
const SUITE_KEY = 'AKIDEXAMPLE';
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SUITE_NOW = Date.UTC(2015, 7, 30, 12, 36, 0);
const SCOPE = 'AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

function vanilla(method: string, sig: string, extra: [string, string][] = []): SignedRequest {
  return {
    method,
    path: '/',
    query: '',
    body: Buffer.alloc(0),
    headers: [
      ['Host', 'example.amazonaws.com'],
      ['X-Amz-Date', '20150830T123600Z'],
      [
        'Authorization',
        `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=${sig}`,
      ],
      ...extra,
    ],
  };
}

const GET_VANILLA = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const POST_VANILLA = '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b';

const options = (overrides: Partial<Parameters<typeof verifySigV4>[1]> = {}) => ({
  service: 'service',
  now: SUITE_NOW,
  secretOf: async (id: string) => (id === SUITE_KEY ? SUITE_SECRET : undefined),
  ...overrides,
});

test('get-vanilla and post-vanilla from the AWS SigV4 test suite verify', async (t) => {
  t.deepEqual(await verifySigV4(vanilla('GET', GET_VANILLA), options()), {
    ok: true,
    accessKeyId: SUITE_KEY,
    region: 'us-east-1',
  });
  t.true((await verifySigV4(vanilla('POST', POST_VANILLA), options())).ok);
});

test('the signer reproduces the get-vanilla signature from its canonical request', (t) => {
  const canonical = canonicalRequest(vanilla('GET', ''), ['host', 'x-amz-date'], sha256Hex(''));
  t.is(
    canonical,
    'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  t.is(
    signature(
      SUITE_SECRET,
      '20150830T123600Z',
      { date: '20150830', region: 'us-east-1', service: 'service' },
      canonical,
    ),
    GET_VANILLA,
  );
});

test('a signature for another method, a wrong secret or a changed body is InvalidSignatureException', async (t) => {
  const wrongMethod = await verifySigV4(vanilla('POST', GET_VANILLA), options());
  t.like(wrongMethod, { ok: false, code: 'InvalidSignatureException' });
  const wrongSecret = await verifySigV4(
    vanilla('GET', GET_VANILLA),
    options({ secretOf: async () => 'other' }),
  );
  t.like(wrongSecret, { ok: false, code: 'InvalidSignatureException' });
  const tampered = { ...vanilla('POST', POST_VANILLA), body: Buffer.from('{"x":1}') };
  t.like(await verifySigV4(tampered, options()), { ok: false, code: 'InvalidSignatureException' });
});

test('an unknown access key is UnrecognizedClientException; no Authorization is MissingAuthenticationToken', async (t) => {
  t.like(await verifySigV4(vanilla('GET', GET_VANILLA), options({ secretOf: async () => undefined })), {
    ok: false,
    code: 'UnrecognizedClientException',
  });
  const unsigned = {
    ...vanilla('GET', GET_VANILLA),
    headers: [['Host', 'example.amazonaws.com'] as [string, string]],
  };
  t.like(await verifySigV4(unsigned, options()), { ok: false, code: 'MissingAuthenticationTokenException' });
});

test('a request more than 15 minutes from the server clock is refused, 14 minutes is fine', async (t) => {
  const late = await verifySigV4(vanilla('GET', GET_VANILLA), options({ now: SUITE_NOW + 16 * 60_000 }));
  t.like(late, { ok: false, code: 'InvalidSignatureException' });
  t.regex((late as { message: string }).message, /15 minutes/);
  t.true((await verifySigV4(vanilla('GET', GET_VANILLA), options({ now: SUITE_NOW - 14 * 60_000 }))).ok);
});

test('a credential scoped to another service is refused before any key lookup', async (t) => {
  let looked = false;
  const result = await verifySigV4(
    vanilla('GET', GET_VANILLA),
    options({
      service: 'batch',
      secretOf: async () => {
        looked = true;
        return SUITE_SECRET;
      },
    }),
  );
  t.like(result, { ok: false, code: 'InvalidSignatureException' });
  t.false(looked);
});

test('a declared payload hash that is not the body hash (UNSIGNED-PAYLOAD too) is refused', async (t) => {
  const unsignedPayload = vanilla('GET', GET_VANILLA, [['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD']]);
  t.like(await verifySigV4(unsignedPayload, options()), { ok: false, code: 'InvalidSignatureException' });
});

test('an Authorization header without SignedHeaders or with another algorithm is IncompleteSignature', async (t) => {
  const broken = vanilla('GET', GET_VANILLA);
  broken.headers[2] = ['Authorization', `AWS4-HMAC-SHA256 Credential=${SCOPE}, Signature=${GET_VANILLA}`];
  t.like(await verifySigV4(broken, options()), { ok: false, code: 'IncompleteSignatureException' });
  broken.headers[2] = ['Authorization', 'AWS AKIDEXAMPLE:abc'];
  t.like(await verifySigV4(broken, options()), { ok: false, code: 'IncompleteSignatureException' });
});
