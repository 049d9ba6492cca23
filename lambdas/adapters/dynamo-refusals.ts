/**
 * DynamoDB's refusals of an item for what it holds, told apart from the errors a retry may cure (throttling, 5xx,
 * network), which are left as they are. A `ValidationException` answers the request as sent; on a write whose
 * expressions and keys are the code's own, what varies is the item, so the refusal is the item's — except one that
 * names an expression or the key schema: that is the code's or the table's fault and stays an error, to be retried
 * and alarmed on rather than blamed on a record.
 */
import { StoreRefusal } from '../core/profiles/profile-ports';

const TOO_LARGE = /item size (to update )?has exceeded/i;
const NOT_THE_ITEM = /expression|key element does not match the schema/i;

/** The `StoreRefusal` DynamoDB's error means for the item `what` names, or undefined when it is no refusal. */
export function refusalOf(error: unknown, what: string): StoreRefusal | undefined {
  if (!(error instanceof Error) || error.name !== 'ValidationException') return undefined;
  if (TOO_LARGE.test(error.message)) {
    return new StoreRefusal(
      'too-large',
      `${what} is larger than DynamoDB's 400 KB item limit, even compressed`,
    );
  }
  if (NOT_THE_ITEM.test(error.message)) return undefined;
  return new StoreRefusal('refused', `DynamoDB refused ${what}: ${error.message}`);
}

/** Runs the write, throwing a `StoreRefusal` for DynamoDB's refusal of its item and any other error as it is. */
export async function refusing<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw refusalOf(error, what) ?? error;
  }
}
