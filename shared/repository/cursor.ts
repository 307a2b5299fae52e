/**
 * Page cursors: opaque, validated and tamper-evident.
 *
 * Why not hand back DynamoDB's LastEvaluatedKey (base64 JSON, as before)? It shows the key layout
 * (`APP#…`, `gsi1sk`, …) to every client, and a client could edit it: DynamoDB would then start a query
 * at whatever key it names, or fail with an unmapped ValidationException (a 500, not a 400).
 *
 * So a cursor carries only the sort-key values the next query needs (e.g. the creation time and id of
 * the last application on the page), never a key attribute or a partition: the partition is always
 * recomputed from the caller's own query (its investor, inbox or application), so a cursor can at most
 * move the start within the caller's own list. An HMAC-SHA256 (truncated to 128 bits) over the list's
 * name, its partition and the values binds the cursor to that one list: a cursor from another investor's
 * list, another inbox or another kind of list, or one altered by a single bit, is refused with
 * InvalidCursorError (a 400-class error naming the field `cursor` and the rule) before any query runs.
 *
 * Layout: base64url( version byte ‖ 16-byte MAC ‖ UTF-8 JSON array of strings ). Only the canonical
 * base64url spelling is accepted, so no two strings decode to the same cursor.
 *
 * The MAC key: `RepositoryOptions.cursorSecret`, else the `CURSOR_SECRET` environment variable (read
 * once, at module load), else a key derived from the table name. The fallback lets every Lambda of the
 * stack and a restarted local cloud agree on cursors with no configuration, and it still binds each
 * cursor to its list against accidents and casual edits; but the table name is not a secret, so someone
 * who knows it could forge a start position inside a list they can already read (never outside it: the
 * partition never comes from the cursor). Set CURSOR_SECRET (at least 16 characters) in production;
 * changing it invalidates cursors handed out before, which clients meet as InvalidCursorError.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidCursorError, InvalidRepositoryInputError } from './errors.ts';

const VERSION = 1;
const MAC_BYTES = 16;
/** Far above any real cursor (a few ids and instants); refused before decoding anything. */
export const MAX_CURSOR_LENGTH = 1024;
const MIN_SECRET_LENGTH = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `CURSOR_SECRET`, read once at module load (CONVENTIONS 6). */
const ENV_SECRET = process.env.CURSOR_SECRET;

/** The MAC key: from the option, the environment, or (documented above) the table name. */
export function cursorKey(tableName: string, secret: string | undefined = ENV_SECRET): Buffer {
  if (secret !== undefined && secret !== '') {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new InvalidRepositoryInputError(
        'cursorSecret',
        `must be at least ${MIN_SECRET_LENGTH} characters (option cursorSecret or CURSOR_SECRET)`,
      );
    }
    return createHash('sha256').update(`cursor-secret\0${secret}`).digest();
  }
  return createHash('sha256').update(`cursor-table\0${tableName}`).digest();
}

function mac(key: Buffer, list: string, partition: string, payload: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(`${VERSION}\0${list}\0${partition}\0`)
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
}

/** The cursor of one list (`list` names the kind of list, `partition` the caller's own list). */
export function signCursor(key: Buffer, list: string, partition: string, values: readonly string[]): string {
  const payload = Buffer.from(JSON.stringify(values), 'utf8');
  return Buffer.concat([Buffer.from([VERSION]), mac(key, list, partition, payload), payload]).toString(
    'base64url',
  );
}

/**
 * The values of a cursor this list handed out, or InvalidCursorError. `arity` is how many values the
 * list's cursors carry.
 */
export function openCursor(
  key: Buffer,
  list: string,
  partition: string,
  cursor: unknown,
  arity: number,
): string[] {
  if (typeof cursor !== 'string') throw new InvalidCursorError('must be a string');
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    throw new InvalidCursorError(`must be 1 to ${MAX_CURSOR_LENGTH} characters`);
  }
  if (!BASE64URL.test(cursor)) throw new InvalidCursorError('must be base64url (A-Z a-z 0-9 - _)');
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor || bytes.length <= 1 + MAC_BYTES || bytes[0] !== VERSION) {
    throw new InvalidCursorError();
  }
  const payload = bytes.subarray(1 + MAC_BYTES);
  const expected = mac(key, list, partition, payload);
  if (!timingSafeEqual(expected, bytes.subarray(1, 1 + MAC_BYTES))) {
    throw new InvalidCursorError(
      'must come from the previous page of this same list (it was altered or is from another list)',
    );
  }
  let values: unknown;
  try {
    values = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(values) || values.length !== arity || !values.every((v) => typeof v === 'string')) {
    throw new InvalidCursorError();
  }
  return values as string[];
}
