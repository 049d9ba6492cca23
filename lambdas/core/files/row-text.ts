/** A failed row keeps its text for diagnostics, cut to 4 KB so that one broken line cannot bloat the error store. */
export const MAX_RAW_CHARS = 4096;

export function rawText(text: string): string {
  if (text.length <= MAX_RAW_CHARS) return text;
  const cut = text.charCodeAt(MAX_RAW_CHARS - 1);
  // Never end on the first half of a surrogate pair.
  return text.slice(0, cut >= 0xd800 && cut <= 0xdbff ? MAX_RAW_CHARS - 1 : MAX_RAW_CHARS);
}
