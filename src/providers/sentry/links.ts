/**
 * Deep links into Sentry's UI, built from the provider's own configuration (SENTRY_API_URL, SENTRY_ORG). Pure.
 * Sentry serves its UI on the same host as its API (sentry.io redirects the path form to the organization's
 * subdomain; a self-hosted Sentry answers it directly).
 */

function base(apiBaseUrl: string): string {
  return apiBaseUrl.endsWith('/') ? apiBaseUrl : `${apiBaseUrl}/`;
}

/** One issue's page (used when the API answer carries no permalink). */
export function issueLink(apiBaseUrl: string, org: string, issueId: string): string {
  return new URL(
    `organizations/${encodeURIComponent(org)}/issues/${encodeURIComponent(issueId)}/`,
    base(apiBaseUrl),
  ).toString();
}

/** The organization's issue stream with a search query over a window (ISO instants, as the UI takes them). */
export function issueSearchLink(apiBaseUrl: string, org: string, query: string, start: string, end: string): string {
  const u = new URL(`organizations/${encodeURIComponent(org)}/issues/`, base(apiBaseUrl));
  u.searchParams.set('query', query);
  u.searchParams.set('start', start);
  u.searchParams.set('end', end);
  return u.toString();
}
