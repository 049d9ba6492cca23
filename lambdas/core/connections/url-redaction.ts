/**
 * URLs as answers show them. A URL a user wrote may carry a secret — an API key in the query, a token in a webhook's
 * path, credentials before the host — and answers go to every key of the sandbox, `read` keys included. So no answer
 * shows one whole: it is write-only, like a connection's auth header. The platform keeps the URL as written and uses
 * it; answers show enough to tell where it points.
 *
 * - A source URL (and a run's next page): scheme, host, port and path; each query value replaced by `REDACTED`
 *   (the names stay: they tell what the URL holds); no credentials, no fragment.
 * - A webhook URL: its origin only, followed by `/REDACTED` when it has a path or a query, since receivers put their
 *   token in either (`https://hooks.slack.com/services/T…/B…/…`).
 *
 * A URL sent back as it was answered means "unchanged": `keptUrl` gives back the stored one. Any other URL that
 * still holds `REDACTED` is refused, as the value it stands for cannot be known — nor moved to another origin.
 */
import { invalid } from '../errors/domain-error';

export const REDACTED = 'REDACTED';

const parsedUrl = (url: string): URL | undefined => (URL.canParse(url) ? new URL(url) : undefined);

/** A source URL with every query value redacted and no credentials. */
export function redactedUrl(url: string): string {
  const parsed = parsedUrl(url);
  if (!parsed) return REDACTED;
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  const names = [...parsed.searchParams.keys()];
  parsed.search = '';
  for (const name of names) parsed.searchParams.append(name, REDACTED);
  return parsed.toString();
}

/** A webhook URL: its origin, and `/REDACTED` in place of any path and query. */
export function redactedWebhookUrl(url: string): string {
  const parsed = parsedUrl(url);
  if (!parsed) return REDACTED;
  const hidden = parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '';
  return `${parsed.origin}${hidden ? `/${REDACTED}` : '/'}`;
}

/**
 * The URL to store for `submitted`: the stored one when `submitted` is how answers showed it (unchanged), else
 * `submitted` itself — refused (`invalid` at `pointer`) while it still holds a redacted value.
 */
export function keptUrl(
  submitted: string,
  stored: string | undefined,
  redact: (url: string) => string,
  pointer: string,
): string {
  if (stored !== undefined && submitted === redact(stored)) return stored;
  if (submitted.includes(REDACTED)) {
    const message = `holds ${REDACTED}, which stands for a value answers do not show; send the URL whole`;
    throw invalid('redacted-value', `${pointer} ${message}`, [{ pointer, keyword: 'redacted', message }]);
  }
  return submitted;
}
