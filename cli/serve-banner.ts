// What `tokenlake serve` prints: the start banner, and the one line that explains a port it could
// not listen on. A key the user set (TOKENLAKE_API_KEY) is theirs and never printed — terminals
// are shared, scrolled back and pasted into issues; a generated one must be shown once, or nobody
// could use it.

interface BannerInput {
  url: string;
  apiKey: string;
  /** True when the key came from TOKENLAKE_API_KEY; false when serve generated it. */
  keyFromEnvironment: boolean;
  sources: readonly string[];
  dataDir: string;
}

export function formatServeBanner(input: BannerInput): string {
  const { url, apiKey } = input;
  const keyed = input.keyFromEnvironment
    ? [
        `  dashboard  ${url}/   (paste the key from TOKENLAKE_API_KEY)`,
        `  API        ${url}/v1/analytics`,
        '  API key    from TOKENLAKE_API_KEY (not shown)',
        `  try        curl -H "Authorization: Bearer $TOKENLAKE_API_KEY" ${url}/v1/windows/7d`,
      ]
    : [
        `  dashboard  ${url}/#key=${apiKey}`,
        `  API        ${url}/v1/analytics`,
        `  API key    ${apiKey}   (generated; set TOKENLAKE_API_KEY to keep one)`,
        `  try        curl -H "Authorization: Bearer ${apiKey}" ${url}/v1/windows/7d`,
      ];
  return [
    '',
    `tokenlake is running (sources: ${input.sources.join(', ')}; data in ${input.dataDir})`,
    ...keyed,
    '  Ctrl-C to stop',
    '',
  ].join('\n');
}

/** A clear line for a port the server could not bind, or null for any other error. */
export function describeListenError(error: unknown, port: number): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${port} on 127.0.0.1 is already in use (another tokenlake serve?): stop that process or set PORT to a free port`;
  }
  if (code === 'EACCES') return `not allowed to listen on port ${port}: choose a port above 1023 with PORT`;
  return null;
}
