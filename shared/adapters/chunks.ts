/** Splitting items over batch API calls that limit both the count of entries and their total size. */

/** Consecutive chunks, in order, of at most `maxCount` items whose `bytes` sum to at most `maxBytes`. */
export function chunksOf<T extends { readonly bytes: number }>(items: readonly T[], maxCount: number, maxBytes: number): T[][] {
  const result: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (chunk.length === maxCount || (chunk.length > 0 && bytes + item.bytes > maxBytes)) {
      result.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += item.bytes;
  }
  if (chunk.length > 0) result.push(chunk);
  return result;
}
