/**
 * IdentityGraph on the tenant table, as two items per trader and identity key (keys are hashed where they
 * are personal data, see identityKeys): the holder `IDENTITY#<key>` / `TRADER#<traderId>` with when the trader
 * was first seen with it, so a query on the key's partition lists its holders; and the reverse
 * `TRADER#<traderId>` / `IDENTITY#<key>`, so a query on the prefix lists a trader's keys (the trader's partition
 * also holds their accounts and profile: always by prefix). Nothing expires: a link is evidence.
 *
 * Observing writes the reverse item first, then the holder on the condition that it is absent or seen later
 * than now; a crash between the two leaves a reverse item whose holder a retry creates. Only a new holder
 * creates links. A trader's first sighting of a key is the holder's firstSeen (the reverse item has none).
 */
import { PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IDENTITY_KINDS, type IdentityKind, type LinkEvidence } from '../../abuse/findings.js';
import { identityKeys, linkEvidence, type IdentityKey, type IdentityObservation, type TraderSighting } from '../../abuse/identity.js';
import type { IdentityGraph } from '../../ports/abuse.js';
import { queryAll } from './query.js';
import { keys, PARTITION_KEY, SORT_KEY } from './table.js';

type Sender = Pick<DynamoDBClient, 'send'>;

const HOLDER_PREFIX = 'TRADER#';
const KEY_PREFIX = 'IDENTITY#';

const keyOf = (key: Record<string, string>): Record<string, AttributeValue> => ({ [PARTITION_KEY]: { S: key[PARTITION_KEY]! }, [SORT_KEY]: { S: key[SORT_KEY]! } });
const isConditionFailure = (error: unknown): boolean => (error as Error).name === 'ConditionalCheckFailedException';

/** Oldest sighting first, then by trader id: the order holders joined the key. */
const bySighting = (a: TraderSighting, b: TraderSighting): number => a.firstSeen - b.firstSeen || (a.traderId < b.traderId ? -1 : a.traderId > b.traderId ? 1 : 0);

/**
 * A trader's links are read on nearly every closed trade (is the other side of a hedge linked?) and change
 * only when an identity is observed: a warm container keeps them for `maxAgeMs`, forgets a trader's as soon
 * as it observes an identity of theirs, and sees another container's new link within `maxAgeMs`.
 */
const LINKS_MAX_AGE_MS = 60_000;
const MAX_CACHED_TRADERS = 50_000;

export class DynamoDbIdentityGraph implements IdentityGraph {
  private readonly cached = new Map<string, { readonly links: readonly LinkEvidence[]; readonly readAt: number }>();

  constructor(
    private readonly db: Sender,
    private readonly tableName: string,
    private readonly maxAgeMs = LINKS_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async observe(observation: IdentityObservation): Promise<readonly LinkEvidence[]> {
    const { traderId, observedAt } = observation;
    // Keys are independent of each other: recorded at once, links returned in the observation's key order.
    const perKey = await Promise.all(
      identityKeys(observation).map(async (key) => {
        await this.db.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { ...keyOf(keys.traderIdentity(traderId, key.key)), kind: { S: key.kind }, shown: { S: key.shown } },
          }),
        );
        if (!(await this.hold(key, traderId, observedAt))) return [];
        const others = (await this.holdersOf(key.key)).filter((holder) => holder.traderId !== traderId).sort(bySighting);
        return others.map((other) => linkEvidence(key, { traderId, firstSeen: observedAt }, other));
      }),
    );
    const links = perKey.flat();
    this.cached.delete(traderId);
    for (const link of links) for (const linked of link.traderIds) this.cached.delete(linked);
    return links;
  }

  async linksOf(traderId: string): Promise<readonly LinkEvidence[]> {
    const now = this.now();
    const hit = this.cached.get(traderId);
    if (hit !== undefined && now - hit.readAt < this.maxAgeMs) return hit.links;
    const links = await this.readLinks(traderId);
    if (this.cached.size >= MAX_CACHED_TRADERS) this.cached.clear();
    this.cached.set(traderId, { links, readAt: now });
    return links;
  }

  /**
   * Every identity the trader shares, in the order the trader was first seen with them (then by kind, in
   * IDENTITY_KINDS order, and key); for each, the other holders in the order they were first seen with it.
   */
  private async readLinks(traderId: string): Promise<readonly LinkEvidence[]> {
    const held = await queryAll(this.db, this.tableName, {
      KeyConditionExpression: '#pk = :trader AND begins_with(#sk, :identity)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#kind': 'kind', '#shown': 'shown' },
      ExpressionAttributeValues: { ':trader': { S: keys.traderIdentity(traderId, '')[PARTITION_KEY] }, ':identity': { S: KEY_PREFIX } },
      ProjectionExpression: '#sk, #kind, #shown',
    });
    const perKey = await Promise.all(
      held.map(async (item) => {
        const key: IdentityKey = { key: item[SORT_KEY]!.S!.slice(KEY_PREFIX.length), kind: item['kind']!.S! as IdentityKind, shown: item['shown']!.S! };
        const holders = await this.holdersOf(key.key);
        // Absent after a crash between the reverse item and the holder: not held until a retry writes it.
        const mine = holders.find((holder) => holder.traderId === traderId);
        return mine === undefined ? null : { key, mine, others: holders.filter((holder) => holder !== mine).sort(bySighting) };
      }),
    );
    return perKey
      .filter((entry) => entry !== null)
      .sort(
        (a, b) =>
          a.mine.firstSeen - b.mine.firstSeen ||
          IDENTITY_KINDS.indexOf(a.key.kind) - IDENTITY_KINDS.indexOf(b.key.kind) ||
          (a.key.key < b.key.key ? -1 : a.key.key > b.key.key ? 1 : 0),
      )
      .flatMap(({ key, mine, others }) => others.map((other) => linkEvidence(key, mine, other)));
  }

  /**
   * Records that the trader holds the key, first seen at `observedAt` unless seen earlier: true when the
   * trader did not hold it before, or when this is the observation that first recorded it, received again
   * (its links are then rescored again). An older observation arriving late moves firstSeen earlier.
   */
  private async hold(key: IdentityKey, traderId: string, observedAt: number): Promise<boolean> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.identityHolder(key.key, traderId)),
          UpdateExpression: 'SET #kind = :kind, #shown = :shown, #firstSeen = :seen',
          ConditionExpression: 'attribute_not_exists(#pk) OR #firstSeen >= :seen',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#kind': 'kind', '#shown': 'shown', '#firstSeen': 'firstSeen' },
          ExpressionAttributeValues: { ':kind': { S: key.kind }, ':shown': { S: key.shown }, ':seen': { N: String(observedAt) } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      // No old attributes: a new holder. Old ones: first seen later than this, or by this same observation.
      return Attributes?.['firstSeen'] === undefined || Number(Attributes['firstSeen'].N) === observedAt;
    } catch (error) {
      // Held, and first seen earlier than this: nothing changes.
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The key's holders and when each was first seen with it. */
  private async holdersOf(identityKey: string): Promise<TraderSighting[]> {
    const items = await queryAll(this.db, this.tableName, {
      KeyConditionExpression: '#pk = :key AND begins_with(#sk, :trader)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#firstSeen': 'firstSeen' },
      ExpressionAttributeValues: { ':key': { S: keys.identityHolder(identityKey, '')[PARTITION_KEY] }, ':trader': { S: HOLDER_PREFIX } },
      ProjectionExpression: '#sk, #firstSeen',
    });
    return items.map((item) => ({ traderId: item[SORT_KEY]!.S!.slice(HOLDER_PREFIX.length), firstSeen: Number(item['firstSeen']!.N) }));
  }
}
