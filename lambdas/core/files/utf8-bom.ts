/** A UTF-8 byte order mark at the start of a file is not content. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function* withoutUtf8Bom(
  bytes: AsyncIterable<Buffer>,
  onSkipped?: () => void,
): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const piece of bytes) {
    if (head === undefined) {
      yield piece;
      continue;
    }
    head = Buffer.concat([head, piece]);
    if (head.length < UTF8_BOM.length && UTF8_BOM.subarray(0, head.length).equals(head)) continue;
    if (head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
      onSkipped?.();
      head = head.subarray(UTF8_BOM.length);
    }
    if (head.length > 0) yield head;
    head = undefined;
  }
  if (head !== undefined && head.length > 0) yield head;
}
