import type { SandboxSourceAccess, SourceAccessStore } from '../core/connections/source-access';
import { catalogKey, catalogPartition, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems } from './dynamo-items';

/** One item per sandbox, in the sandbox's own partition: its grant is replaced whole. */
const keyOf = (sandbox: string) => catalogKey(catalogPartition(sandbox, 'source-access'), 'grant');

export class DynamoSourceAccessStore implements SourceAccessStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string): Promise<SandboxSourceAccess | undefined> {
    const item = await this.items.get(keyOf(sandbox));
    return item ? withoutKeys<SandboxSourceAccess>(item) : undefined;
  }

  put(access: SandboxSourceAccess): Promise<void> {
    return this.items.put({ ...keyOf(access.sandbox), ...access });
  }
}
