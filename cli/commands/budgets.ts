// `tokenlake budgets show|set`: sets config/budgets.json after checking it, then shows where each
// budget stands from a fresh analyze.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../../lib/config/config.ts';
import { errorMessage } from '../../lib/core/errors.ts';
import { BUDGETS_KEY } from '../../lib/store/layout.ts';
import { help } from '../help.ts';
import { color, UsageError, withRollupThreads, withStore } from '../run-context.ts';

export async function commandBudgets(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return help('budgets');
  const [action, file] = positionals;
  if (action !== 'show' && action !== 'set') throw new UsageError('budgets: expected "show" or "set FILE.json"');
  const [{ budgetsFileSchema }, { runAnalyze }, { analyzeDeps }, { renderTable, usd }] = await Promise.all([
    import('../../lib/analytics/budgets.ts'),
    import('../../lib/pipeline/analyze.ts'),
    import('../../lib/pipeline/runtime.ts'),
    import('../format.ts'),
  ]);
  return withStore(config, async (rt) => {
    if (action === 'set') {
      if (!file) throw new UsageError('budgets set: expected a file');
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`budgets set: cannot read ${file}: ${errorMessage(error)}`);
      }
      const parsed = budgetsFileSchema.safeParse(json);
      if (!parsed.success) {
        throw new UsageError(`budgets set: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`);
      }
      await rt.store.put(BUDGETS_KEY, JSON.stringify(parsed.data, null, 2));
    }
    const result = await runAnalyze(withRollupThreads(analyzeDeps(rt)));
    const budgets = result.analytics.month_to_date.budgets;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(budgets, null, 2)}\n`);
      return 0;
    }
    if (budgets.length === 0) {
      process.stdout.write('no budgets set (tokenlake budgets set FILE.json; see tokenlake budgets --help)\n');
      return 0;
    }
    const rows = budgets.map((b) => [
      b.id,
      b.scope,
      usd(b.limit_usd),
      usd(b.spent_usd),
      usd(b.forecast_usd),
      b.run_out_day ?? '—',
      b.status,
    ]);
    process.stdout.write(
      `${renderTable(['Budget', 'Scope', 'Limit', 'Spent', 'Forecast', 'Runs out', 'Status'], rows, null, { color: color(), numeric: new Set([2, 3, 4]) })}\n`,
    );
    if (result.analytics.data_quality.budgets_error) process.stderr.write(`warning: ${result.analytics.data_quality.budgets_error}\n`);
    return 0;
  });
}
