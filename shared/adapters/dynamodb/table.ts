/**
 * The one table of a tenant: its key schema and key shapes, shared by the adapters, the local
 * platform and the CDK stack so that all three describe the same table. Access patterns: ARCHITECTURE.md.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

export const keys = {
  accountState: (accountId: string) => ({ [PARTITION_KEY]: `ACCOUNT#${accountId}`, [SORT_KEY]: 'STATE' }),
};

/** The table as CreateTable describes it (on-demand capacity; the stack adds encryption and recovery). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
  };
}
