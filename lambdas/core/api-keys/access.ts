/** Who may do what: scopes (admin implies the others) and sandboxes (a key acts in its own; platform keys in all). */
import type { Caller } from './caller';
import { PLATFORM_SANDBOX } from './caller';
import type { RouteScope, Scope } from './caller';

type KeyHolder = Pick<Caller, 'keySandbox' | 'scopes'>;

export function hasScope(scopes: readonly Scope[], required: RouteScope): boolean {
  return required === 'none' || scopes.includes('admin') || scopes.includes(required);
}

export function isPlatformKey(holder: Pick<Caller, 'keySandbox'>): boolean {
  return holder.keySandbox === PLATFORM_SANDBOX;
}

/**
 * Why the holder may not use a route of the given scope in the sandbox, or undefined when it may. `elevatedFor`
 * names the kind of request that needs more than the route's own scope (route-table.ts), for the reason.
 */
export function accessDenial(
  holder: KeyHolder,
  required: RouteScope,
  sandbox: string,
  elevatedFor?: string,
): string | undefined {
  if (!hasScope(holder.scopes, required)) {
    const needs = elevatedFor === undefined ? '' : `, which ${elevatedFor} needs`;
    return `the key's scopes (${holder.scopes.join(', ') || 'none'}) do not include ${required}${needs}`;
  }
  if (!isPlatformKey(holder) && holder.keySandbox !== sandbox) {
    return `the key belongs to sandbox '${holder.keySandbox}', not '${sandbox}'`;
  }
  return undefined;
}
