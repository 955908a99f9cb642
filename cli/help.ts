// The CLI's help: the command table and the short texts of the commands whose code lives in
// cli/commands/, printed without loading anything; the longer texts kept beside their command's
// code (cli/keys.ts, cli/views/report.ts, …) are imported only when asked for.

const HELP: Record<string, string> = {
  main: `tokenlake — know what your LLM usage costs

Usage: tokenlake <command> [options]

Commands:
  serve     run the local stack: the lake as plain files, scheduled sync, analyze, API and dashboard
  sync      one sync of every agent found on this machine (or TOKENLAKE_SOURCES), then analyze
  report    usage over any period by day, week, month, session, model, project, provider, user or machine
  blocks    Claude's 5-hour usage blocks from this machine's Claude Code logs (--live redraws the active one)
  statusline Claude Code's status-line command (model, session and today's cost, the active block)
  aggregate rebuild the rollups of a period (re-prices it with the current price tables)
  budgets   show or set the budgets (config/budgets.json)
  keys      create, list or revoke API keys (stored hashed in the bucket)
  export    write a period as CSV, JSON, NDJSON, Parquet or FinOps FOCUS to a file
  push      this machine's coding-agent usage → the team bucket (--install-schedule keeps doing it)
  prices    update the price table from LiteLLM's price map (a URL or a saved file)

Run "tokenlake <command> --help" for a command's options.
Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.`,
  serve: `tokenlake serve — local lake (plain files) + sync every TOKENLAKE_SYNC_MINUTES + analyze + API on PORT

Example: PORT=3000 CLAUDE_CONFIG_DIR=~/.claude tokenlake serve`,
  sync: `tokenlake sync [--source claude-code,codex,gemini-cli,qwen-code,opencode,amp,anthropic,openai,demo] [--since YYYY-MM-DD] [--quiet]
               [--log-format text|json]

One sync into the local lake, then analyze: the sources in TOKENLAKE_SOURCES, or else every coding
agent whose logs are found on this machine (printed), or else the built-in demo. New budget and
anomaly alerts about today or yesterday follow the summary, one line each (--log-format json, the
default off a terminal, logs them as JSON instead).
Example: tokenlake sync --since 2026-08-01`,
  aggregate: `tokenlake aggregate --from YYYY-MM-DD --to YYYY-MM-DD [--quiet]

Rebuilds the daily rollups of the period from the lake with the price table in force at each
record's time (reported costs are kept), then analytics.json. Shows a progress bar on a terminal.
Example: TOKENLAKE_PRICES_FILE=prices.json tokenlake aggregate --from 2026-08-01 --to 2026-08-31`,
  budgets: `tokenlake budgets show [--json]
tokenlake budgets set FILE.json

FILE.json: {"budgets":[{"id":"team","monthly_usd":500},{"id":"web","scope":{"type":"project","value":"web"},"monthly_usd":120,"daily_usd":10,"thresholds":[0.5,0.8,1]}]}
scope.type is one of global, project, provider, model, user.
Example: tokenlake budgets set budgets.json && tokenlake budgets show`,
  statusline: `tokenlake statusline — Claude Code's status-line command

Reads the JSON Claude Code sends on stdin and prints one line:
  Sonnet 4.5 · $0.42 session · $3.10 today · block $1.20, 2h13m left, $0.85/h
Session cost is Claude Code's own; today and the block come from this machine's Claude Code logs,
cached in TOKENLAKE_CACHE_DIR (default ~/.cache/tokenlake) and refreshed in the background after
each line. Malformed input prints an empty line (the reason goes to statusline.log in that folder).
In ~/.claude/settings.json: {"statusLine": {"type": "command", "command": "npx tokenlake statusline"}}`,
};

/** Help texts kept beside their command's code, loaded only when asked for. */
const LAZY_HELP: Record<string, () => Promise<string>> = {
  keys: async () => (await import('./keys.ts')).KEYS_HELP,
  export: async () => (await import('./export.ts')).EXPORT_HELP,
  prices: async () => (await import('./prices.ts')).PRICES_HELP,
  push: async () => (await import('./push.ts')).PUSH_HELP,
  report: async () => (await import('./views/report.ts')).REPORT_HELP,
  blocks: async () => (await import('./views/blocks.ts')).BLOCKS_HELP,
};

export function help(command: string): number {
  process.stdout.write(`${HELP[command] ?? HELP.main}\n`);
  return 0;
}

export async function lazyHelp(command: string): Promise<number> {
  const load = LAZY_HELP[command];
  if (!load) return help(command);
  process.stdout.write(`${await load()}\n`);
  return 0;
}
