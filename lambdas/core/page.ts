import { DomainError } from './errors/domain-error';

/** A page of a list: the items and, when more remain, an opaque token to pass back as `start`. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly start?: string;
}

export const DEFAULT_PAGE_LIMIT = 50;
/** DynamoDB returns at most 1 MB a query anyway; a larger page would only be cut. */
export const MAX_PAGE_LIMIT = 500;
/**
 * The longest `start` accepted. API Gateway takes at most 10,240 bytes of request line and headers, so no token of
 * ours can come back longer than this through it; a longer one is refused before it is decoded.
 */
export const MAX_PAGE_TOKEN_CHARS = 8_192;

/** A `start` token this API did not issue, or one that no longer fits the list it is given to. */
export class InvalidPageToken extends DomainError {
  constructor() {
    super('invalid', 'invalid-page-token', 'the start token is not one this API issued');
  }
}
