/** The on-failure ledger in memory, for the recorder's and the redrive's unit tests. */
import type { Page, PageRequest } from '../../lambdas/core/page';
import type {
  OnFailureLedger,
  OnFailureObject,
  OnFailurePart,
} from '../../lambdas/core/streaming/on-failure-ledger';

export class MemoryOnFailureLedger implements OnFailureLedger {
  readonly objects = new Map<string, { pending: Set<string>; unclaimed: number }>();
  private readonly partsBySandbox = new Map<string, Map<string, OnFailurePart>>();

  async record(object: OnFailureObject, parts: readonly OnFailurePart[]): Promise<void> {
    if (!this.objects.has(object.objectKey))
      this.objects.set(object.objectKey, { pending: new Set(object.pending), unclaimed: object.unclaimed });
    for (const part of parts) {
      const sandbox = this.partsBySandbox.get(part.sandbox) ?? new Map<string, OnFailurePart>();
      if (!sandbox.has(part.objectKey)) sandbox.set(part.objectKey, part);
      this.partsBySandbox.set(part.sandbox, sandbox);
    }
  }

  async parts(sandbox: string, page: PageRequest): Promise<Page<OnFailurePart>> {
    const all = [...(this.partsBySandbox.get(sandbox)?.values() ?? [])].sort((a, b) =>
      `${a.failedAt}#${a.objectKey}`.localeCompare(`${b.failedAt}#${b.objectKey}`),
    );
    const from = page.start === undefined ? 0 : Number(page.start);
    const next = from + page.limit < all.length ? String(from + page.limit) : undefined;
    return { items: all.slice(from, from + page.limit), ...(next ? { next } : {}) };
  }

  async markRedriven(part: OnFailurePart, at: Date): Promise<{ readonly objectDone: boolean }> {
    const parts = this.partsBySandbox.get(part.sandbox);
    const stored = parts?.get(part.objectKey);
    if (stored?.status === 'pending')
      parts?.set(part.objectKey, { ...stored, status: 'redriven', redrivenAt: at.toISOString() });
    const object = this.objects.get(part.objectKey);
    object?.pending.delete(part.sandbox);
    return { objectDone: object !== undefined && object.pending.size === 0 && object.unclaimed === 0 };
  }

  async forget(objectKey: string): Promise<void> {
    this.objects.delete(objectKey);
  }
}
