/**
 * Sandboxes: isolated partitions of every store. `prod` always exists: it is written on first use, so a fresh
 * deployment needs no set-up step and lists show it like any other.
 */
import { conflict, notFound } from '../errors/domain-error';
import type { Page, PageRequest } from '../page';

/** The sandbox a request acts in when it names none. */
export const DEFAULT_SANDBOX = 'prod';
export const SANDBOX_NAME_PATTERN = /^[a-z][a-z0-9-]{1,63}$/;

export interface Sandbox {
  readonly name: string;
  readonly title: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface SandboxStore {
  get(name: string): Promise<Sandbox | undefined>;
  create(sandbox: Sandbox): Promise<boolean>;
  list(page: PageRequest): Promise<Page<Sandbox>>;
}

export interface SandboxServiceDeps {
  readonly store: SandboxStore;
  readonly now?: () => Date;
}

export class SandboxService {
  private readonly now: () => Date;
  private defaultSeeded = false;
  /** Sandboxes are never deleted, so a sandbox seen once exists for the life of the container. */
  private readonly known = new Set<string>([DEFAULT_SANDBOX]);

  constructor(private readonly deps: SandboxServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(input: { name: string; title?: string }, createdBy: string): Promise<Sandbox> {
    await this.seedDefault();
    const sandbox: Sandbox = {
      name: input.name,
      title: input.title ?? input.name,
      createdAt: this.now().toISOString(),
      createdBy,
    };
    if (!(await this.deps.store.create(sandbox))) {
      throw conflict('sandbox-exists', `sandbox '${input.name}' already exists`);
    }
    return sandbox;
  }

  async get(name: string): Promise<Sandbox> {
    if (name === DEFAULT_SANDBOX) await this.seedDefault();
    const sandbox = await this.deps.store.get(name);
    if (!sandbox) throw notFound('sandbox', name);
    return sandbox;
  }

  async exists(name: string): Promise<boolean> {
    if (this.known.has(name)) return true;
    const found = (await this.deps.store.get(name)) !== undefined;
    if (found) this.known.add(name);
    return found;
  }

  async list(page: PageRequest): Promise<Page<Sandbox>> {
    await this.seedDefault();
    return this.deps.store.list(page);
  }

  /** Writes `prod` once per container; the conditional write makes concurrent seeding harmless. */
  private async seedDefault(): Promise<void> {
    if (this.defaultSeeded) return;
    await this.deps.store.create({
      name: DEFAULT_SANDBOX,
      title: 'Production',
      createdAt: this.now().toISOString(),
      createdBy: 'tributary',
    });
    this.defaultSeeded = true;
  }
}
