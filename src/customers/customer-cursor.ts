import { ProblemException } from '../http/problem';
import { CustomerSort } from './dto/list-customers.query.dto';

/** A keyset position: the last row of a page, in the sort it was read with. */
export interface CustomerCursor {
  sort: CustomerSort;
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Opaque to clients (base64url JSON), validated strictly when it comes back. It carries only a
 * position, never a filter or an owner: ownership is always re-applied from the principal, so a
 * forged cursor can at most skip rows the caller may see anyway.
 */
export function encodeCursor(cursor: CustomerCursor): string {
  return Buffer.from(
    JSON.stringify({ s: cursor.sort, t: cursor.createdAt.toISOString(), i: cursor.id }),
  ).toString('base64url');
}

export function decodeCursor(text: string, sort: CustomerSort): CustomerCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const { s, t, i } = parsed as Record<string, unknown>;
  if (s !== sort || typeof t !== 'string' || typeof i !== 'string' || !UUID.test(i))
    throw invalidCursor();
  const createdAt = new Date(t);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== t) throw invalidCursor();
  return { sort, createdAt, id: i };
}

function invalidCursor(): ProblemException {
  return new ProblemException(400, {
    slug: 'validation-error',
    title: 'Validation Failed',
    detail: 'The request has invalid or unexpected fields.',
    errors: [{ field: 'cursor', message: 'cursor is not valid for this query' }],
  });
}
