/**
 * Identity namespaces of a sandbox: the standard ones plus custom ones. Codes are unique case-insensitively (so
 * `email` can never shadow `Email`) and are looked up case-insensitively; answers carry the canonical spelling.
 */
import { createHash } from 'node:crypto';
import { conflict, notFound } from '../errors/domain-error';
import { InvalidPageToken, type Page, type PageRequest } from '../page';
import type { IdentityNamespace, IdType } from './standard-namespaces';
import { CUSTOM_NAMESPACE_ID_BASE, STANDARD_NAMESPACES } from './standard-namespaces';

export const NAMESPACE_CODE_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Custom ids are derived from the code's hash: stable, and spread over this many values above the base. */
const CUSTOM_ID_SPREAD = 2 ** 28;

export interface NamespaceStore {
  /** By lower-cased code. */
  get(sandbox: string, codeLower: string): Promise<IdentityNamespace | undefined>;
  create(sandbox: string, namespace: IdentityNamespace): Promise<boolean>;
  list(sandbox: string, page: PageRequest): Promise<Page<IdentityNamespace>>;
}

export interface NewNamespace {
  readonly code: string;
  readonly name: string;
  readonly idType: IdType;
  readonly description?: string;
}

/** A list position: within the standard namespaces, or within the custom ones (with the store's own token). */
type Cursor = { readonly standard: number } | { readonly custom: string | null };

const STANDARD_BY_CODE = new Map(
  STANDARD_NAMESPACES.map((namespace) => [namespace.code.toLowerCase(), namespace]),
);

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(token: string | undefined): Cursor {
  if (token === undefined) return { standard: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { standard } = parsed;
    // A page ends inside the standard namespaces only before the last of them.
    if (
      Number.isInteger(standard) &&
      (standard as number) >= 0 &&
      (standard as number) < STANDARD_NAMESPACES.length
    )
      return { standard: standard as number };
    if (typeof parsed.custom === 'string' || parsed.custom === null) return { custom: parsed.custom };
  } catch {
    // fall through: not a token this API issued
  }
  throw new InvalidPageToken();
}

export class NamespaceService {
  constructor(private readonly deps: { readonly store: NamespaceStore; readonly now?: () => Date }) {}

  async create(sandbox: string, input: NewNamespace): Promise<IdentityNamespace> {
    const codeLower = input.code.toLowerCase();
    const clash = () => conflict('namespace-code-conflict', `namespace code '${input.code}' already exists`);
    if (STANDARD_BY_CODE.has(codeLower)) throw clash();
    const time = (this.deps.now?.() ?? new Date()).getTime();
    const namespace: IdentityNamespace = {
      id:
        CUSTOM_NAMESPACE_ID_BASE +
        (parseInt(createHash('sha256').update(codeLower).digest('hex').slice(0, 8), 16) % CUSTOM_ID_SPREAD),
      code: input.code,
      name: input.name,
      description: input.description ?? '',
      idType: input.idType,
      status: 'ACTIVE',
      custom: true,
      createTime: time,
      updateTime: time,
    };
    if (!(await this.deps.store.create(sandbox, namespace))) throw clash();
    return namespace;
  }

  async find(sandbox: string, code: string): Promise<IdentityNamespace | undefined> {
    const codeLower = code.toLowerCase();
    return STANDARD_BY_CODE.get(codeLower) ?? (await this.deps.store.get(sandbox, codeLower));
  }

  async get(sandbox: string, code: string): Promise<IdentityNamespace> {
    const namespace = await this.find(sandbox, code);
    if (!namespace) throw notFound('identity namespace', code);
    return namespace;
  }

  async exists(sandbox: string, code: string): Promise<boolean> {
    return (await this.find(sandbox, code)) !== undefined;
  }

  /** What the schema registry asks of identity descriptors: the defined spelling of a code, if it exists. */
  async canonicalCode(sandbox: string, code: string): Promise<string | undefined> {
    return (await this.find(sandbox, code))?.code;
  }

  /** The standard namespaces first, then the custom ones in code order, paged across both. */
  async list(sandbox: string, page: PageRequest): Promise<Page<IdentityNamespace>> {
    const cursor = decodeCursor(page.start);
    if ('standard' in cursor) {
      const items = STANDARD_NAMESPACES.slice(cursor.standard, cursor.standard + page.limit);
      const end = cursor.standard + items.length;
      if (end < STANDARD_NAMESPACES.length) return { items, next: encodeCursor({ standard: end }) };
      if (items.length === page.limit) return { items, next: encodeCursor({ custom: null }) };
      const custom = await this.deps.store.list(sandbox, { limit: page.limit - items.length });
      return this.withCustomNext([...items, ...custom.items], custom.next);
    }
    const custom = await this.deps.store.list(sandbox, {
      limit: page.limit,
      start: cursor.custom ?? undefined,
    });
    return this.withCustomNext(custom.items, custom.next);
  }

  private withCustomNext(items: IdentityNamespace[], next: string | undefined): Page<IdentityNamespace> {
    return next ? { items, next: encodeCursor({ custom: next }) } : { items };
  }
}
