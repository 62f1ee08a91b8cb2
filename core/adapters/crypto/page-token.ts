import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ValidationError } from '../../kernel/errors';
import type { PageTokenBinding, PageTokens } from '../../rollouts/ports/page-tokens';

/**
 * Page tokens (`nextToken`): the position after the last item a caller was shown, sealed with AES-256-GCM under
 * a key from configuration. A client can neither read a token (it names no namespace, Deployment or id) nor
 * make one: a token altered by one bit, or made for another caller or another query, does not open.
 *
 * The caller and the query are the cipher's additional authenticated data, not part of the sealed text: a
 * token is bound to them without carrying them.
 */

/** AES-256: a 32-byte key. */
export const PAGE_TOKEN_KEY_BYTES = 32;
/** GCM's standard nonce; random per token (2^32 tokens per key before a collision is a concern). */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Shortest secret a key is derived from: 32 characters of a random secret carry well over 128 bits. */
export const MIN_PAGE_TOKEN_SECRET_LENGTH = 32;

/**
 * The AES key, derived (HKDF-SHA-256) from the configured secret: deployed, a random string the stack's Secrets
 * Manager secret generates; in the sandbox, a random one per start. A short secret stops the start.
 */
export function pageTokenKeyFrom(secret: string): Buffer {
  if (secret.length < MIN_PAGE_TOKEN_SECRET_LENGTH)
    throw new Error(`EKSFLOW_PAGE_TOKEN_KEY must be at least ${MIN_PAGE_TOKEN_SECRET_LENGTH} characters`);
  return Buffer.from(hkdfSync('sha256', secret, 'eksflow', 'page-token-v1', PAGE_TOKEN_KEY_BYTES));
}

export function aesGcmPageTokens(key: Buffer): PageTokens {
  if (key.length !== PAGE_TOKEN_KEY_BYTES) throw new Error(`a page token key has ${PAGE_TOKEN_KEY_BYTES} bytes`);
  return {
    seal(position, binding) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(binding));
      const sealed = Buffer.concat([cipher.update(position, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    open(token, binding) {
      const bad = () => ValidationError.forField('nextToken', 'is not a token from a previous page of this list');
      if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES) throw bad();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(aad(binding));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const opened = Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return opened.toString('utf8');
      } catch {
        throw bad();
      }
    },
  };
}

/** The binding as bytes: JSON of a fixed field order, so no two bindings encode alike. */
function aad(b: PageTokenBinding): Buffer {
  return Buffer.from(
    JSON.stringify([
      'eksflow-page-v1',
      b.principal,
      b.cluster,
      b.namespace ?? null,
      b.deployment ?? null,
      // Only other lists name theirs: the rollout list's tokens stay as they were.
      ...(b.list ? [b.list] : []),
    ]),
  );
}
