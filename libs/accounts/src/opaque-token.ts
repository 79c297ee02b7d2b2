import { createHash, randomBytes } from 'node:crypto';

export type OpaqueTokenKind = 'rt' | 'pat';

/** A random bearer secret (256 bits) with a readable kind prefix, e.g. `lf_pat_…`. */
export const newOpaqueToken = (kind: OpaqueTokenKind): string => `lf_${kind}_${randomBytes(32).toString('base64url')}`;

/** High-entropy tokens need no slow hash: SHA-256 is enough to make a stolen table useless. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const isApiToken = (token: string): boolean => token.startsWith('lf_pat_');
