// Bearer API tokens: what a token looks like, how it is hashed, and the registry the API checks them
// against (scheduler/store/api-tokens.ts keeps them in Redis). Only a SHA-256 of a token is ever stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Principal, Role } from './principal.ts';

export interface ApiTokenRecord {
  /** Public id (in `gpb_<id>_<secret>`, listings and logs); never the secret. */
  id: string;
  name: string;
  role: Role;
  tenant: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; absent while the token is valid. */
  revokedAt?: number;
}

/** A new token: the record plus the token itself, which exists only in this answer. */
export interface CreatedApiToken extends ApiTokenRecord {
  token: string;
}

export interface NewApiToken {
  role: Role;
  tenant: string;
  name?: string;
}

export interface ApiTokenRegistry {
  create(request: NewApiToken): Promise<CreatedApiToken>;
  /** Every token, revoked ones too (with revokedAt), oldest first. */
  list(): Promise<ApiTokenRecord[]>;
  /** The revoked record (revoking twice keeps the first revokedAt); undefined for an unknown id. */
  revoke(id: string): Promise<ApiTokenRecord | undefined>;
  /** Who a presented token is, or undefined for an unknown or revoked one. */
  verify(token: string): Promise<Principal | undefined>;
}

/** What is stored and looked up instead of the token. Tokens are random, so no salt or slow hash is needed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newTokenId(): string {
  return randomBytes(8).toString('hex');
}

/** `gpb_<id>_<secret>`: 256 random bits; the prefix makes a leaked token easy to recognise (secret scanners). */
export function newToken(id: string): string {
  return `gpb_${id}_${randomBytes(32).toString('base64url')}`;
}
