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
