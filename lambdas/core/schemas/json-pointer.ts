/** JSON pointers (RFC 6901). */
import { toPointer } from '../input';

export const appendPointer = (pointer: string, ...segments: (string | number)[]): string =>
  pointer + toPointer(segments);

/** The segments of a pointer, or undefined when it is not one (it must be empty or start with `/`). */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}
