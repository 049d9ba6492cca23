/** Text placed in the XML the local AWS endpoints answer (S3, STS): escaped, as a key or a message may hold `<` or `&`. */
export const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
