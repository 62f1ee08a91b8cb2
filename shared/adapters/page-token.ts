import { ValidationError } from '../errors';

/** A page position as an opaque token (base64url JSON): clients pass it back and never read it. */
export function encodePageToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The position in a token from encodePageToken; anything else is a 400 naming `nextToken`. */
export function decodePageToken(token: string): Record<string, unknown> {
  const bad = () => ValidationError.forField('nextToken', 'is not a token from a previous page of this list');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw bad();
  return key as Record<string, unknown>;
}
