/**
 * Page cursors: a query's LastEvaluatedKey as opaque base64url text, and back. A cursor a client altered
 * is refused as invalid rather than handed to DynamoDB.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { InvalidCursorError, type Page } from '../../ports/page.js';

const StoredKey = z.record(z.string().max(64), z.strictObject({ S: z.string().max(2048) })).refine((key) => Object.keys(key).length <= 4, 'too many attributes');

export function encodeCursor(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): Record<string, AttributeValue> {
  try {
    return StoredKey.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError();
  }
}

/** Where a query starts: after the key a page request's cursor names, or at the beginning. */
export const startAfter = (cursor: string | undefined): { ExclusiveStartKey?: Record<string, AttributeValue> } =>
  cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(cursor) };

/** A page of `items`, continued from where the query stopped, if it did. */
export function pageFrom<T>(items: readonly T[], lastEvaluatedKey: Record<string, AttributeValue> | undefined): Page<T> {
  return { items, ...(lastEvaluatedKey === undefined ? {} : { cursor: encodeCursor(lastEvaluatedKey) }) };
}
