// ARNs in AWS Batch's format. gpubatch has no accounts: the account is twelve zeros, the region the one
// the client signed for. Inputs accept a bare name or an ARN, as AWS Batch does.
export const ACCOUNT_ID = '000000000000';

export type ArnKind = 'job' | 'job-definition' | 'job-queue' | 'compute-environment' | 'scheduling-policy';

export function arn(region: string, kind: ArnKind, resource: string): string {
  return `arn:aws:batch:${region}:${ACCOUNT_ID}:${kind}/${resource}`;
}

/** "name", "name:3" or "arn:aws:batch:...:job-definition/name:3" -> the part after "<kind>/". */
export function nameFromArnOrName(value: string, kind: ArnKind): string {
  const marker = `:${kind}/`;
  if (!value.startsWith('arn:')) return value;
  const at = value.indexOf(marker);
  return at < 0 ? value : value.slice(at + marker.length);
}
