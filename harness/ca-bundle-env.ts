// NODE_EXTRA_CA_CERTS makes every node process parse the named CA bundle as it starts, whether or
// not it ever opens a TLS connection: about 70 ms of CPU for a distribution's whole bundle, more
// than the fake agent's own start from its snapshot. Our own processes that open none (the
// reference engine, the fake chain) start without it; a real adapter's chain, which may reach a
// model API, is given the user's value explicitly, whatever engine starts it.

export const CA_BUNDLE_ENV = "NODE_EXTRA_CA_CERTS";

/** The user's CA bundle variable, for a process that may open TLS connections: empty when unset. */
export function caBundleEnv(): Record<string, string> {
  const value = process.env[CA_BUNDLE_ENV];
  return value === undefined ? {} : { [CA_BUNDLE_ENV]: value };
}
