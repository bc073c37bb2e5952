// Where CalDAV requests may go. The operator's password travels with every
// request, and a CalDAV server is someone else's machine: it must not be able
// to send us (method, body, credentials) anywhere it likes, nor get them over
// plain http. One policy serves the API, which refuses a server address when an
// operator is saved, and the adapter, which checks every request, redirect and
// href a server hands back.

export interface CalDavEgressPolicy {
  /** Plain-http server addresses are allowed (a server on the same host, tests). */
  allowHttp: boolean;
  /** When not empty, the only hosts CalDAV requests may reach; `*.example.com` matches any name under example.com. */
  allowedHosts: readonly string[];
}

/** The default: https only, no allow-list. */
export const strictEgress: CalDavEgressPolicy = { allowHttp: false, allowedHosts: [] };

/**
 * Second-level labels under which country domains register names
 * (example.co.uk, example.com.pl): a small built-in stand-in for the public
 * suffix list, enough to keep `a.co.uk` and `b.co.uk` apart.
 */
const secondLevelSuffixes = new Set(["ac", "co", "com", "edu", "gov", "gv", "go", "ltd", "mil", "ne", "net", "or", "org", "plc", "sch"]);

const withoutTrailingDot = (host: string) => host.toLowerCase().replace(/\.$/, "");

/** URL hostnames of IP addresses: dotted IPv4 (the URL parser normalizes other forms to it) or bracketed IPv6. */
const isIpAddress = (host: string) => host.startsWith("[") || /^[\d.]+$/.test(host);

/**
 * The name a site registers: the last two labels, or three under a country's
 * second-level suffix. An IP address is only itself.
 */
export function registrableDomain(host: string): string {
  const name = withoutTrailingDot(host);
  if (isIpAddress(name)) return name;
  const labels = name.split(".");
  const underSuffix = labels.length >= 3 && labels[labels.length - 1].length === 2 && secondLevelSuffixes.has(labels[labels.length - 2]);
  return labels.slice(underSuffix ? -3 : -2).join(".");
}

/** An allow-list entry in the form hosts are compared in (lowercase, punycode), or undefined when it is not a host name. */
export function normalizeAllowedHost(entry: string): string | undefined {
  const wildcard = entry.startsWith("*.");
  const name = wildcard ? entry.slice(2) : entry;
  if (!name || /[/?#@:\s*]/.test(name.replace(/^\[[\da-f:.]+\]$/i, ""))) return undefined;
  let host: string;
  try {
    host = new URL(`https://${name}/`).hostname;
  } catch {
    return undefined;
  }
  if (wildcard && isIpAddress(host)) return undefined;
  return `${wildcard ? "*." : ""}${withoutTrailingDot(host)}`;
}

export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const name = withoutTrailingDot(host);
  return allowedHosts.some((entry) => (entry.startsWith("*.") ? name.endsWith(entry.slice(1)) : name === entry));
}

/** Why `url` may not be reached at all under `policy`, or undefined when it may. */
function targetProblem(url: URL, policy: CalDavEgressPolicy): string | undefined {
  if (url.username || url.password) return "must not carry a user name or password (they have fields of their own)";
  if (url.protocol !== "https:" && !(policy.allowHttp && url.protocol === "http:")) {
    return policy.allowHttp ? "must be an http or https URL" : "must use https (plain http needs CALDAV_ALLOW_HTTP=true)";
  }
  if (policy.allowedHosts.length > 0 && !hostAllowed(url.hostname, policy.allowedHosts)) return `host ${url.hostname} is not in CALDAV_ALLOWED_HOSTS`;
  return undefined;
}

/** Why `address` cannot be an operator's CalDAV server address, or undefined when it can. */
export function serverUrlProblem(address: string, policy: CalDavEgressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return "must be an absolute URL";
  }
  return targetProblem(url, policy);
}

/**
 * Why the server at `root` may not send us on to `target` (a redirect, an
 * href): the target must pass the policy and, without an allow-list, be on
 * root's origin or registrable domain (iCloud answers for caldav.icloud.com
 * from pNN-caldav.icloud.com). With an allow-list, the list is the boundary.
 */
export function followProblem(root: URL, target: URL, policy: CalDavEgressPolicy): string | undefined {
  const problem = targetProblem(target, policy);
  if (problem) return problem;
  if (root.protocol === "https:" && target.protocol !== "https:") return "it would leave https for plain http";
  if (target.origin === root.origin || policy.allowedHosts.length > 0) return undefined;
  // An IP address has no domain around it: only its own origin.
  if (!isIpAddress(root.hostname) && registrableDomain(target.hostname) === registrableDomain(root.hostname)) return undefined;
  return `it is outside ${registrableDomain(root.hostname)}`;
}
