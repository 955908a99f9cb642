// `tokenlake aggregate`: rebuilds the rollups of a period with the price tables in force.

import { parseArgs } from 'node:util';
import type { Config } from '../../lib/config/config.ts';
import { isValidDay } from '../../lib/core/calendar.ts';
import { BadRequestError } from '../../lib/core/errors.ts';
import { help } from '../help.ts';
import { UsageError, withRollupThreads, withStore } from '../run-context.ts';

export async function commandAggregate(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return help('aggregate');
  for (const [name, value] of [
    ['--from', values.from],
    ['--to', values.to],
  ] as const) {
    if (value === undefined || !isValidDay(value)) throw new UsageError(`${name}: expected a day as YYYY-MM-DD, got "${value ?? ''}"`);
  }
  const [{ runAggregation }, { analyzeDeps }, { createProgress }] = await Promise.all([
    import('../../lib/pipeline/aggregate.ts'),
    import('../../lib/pipeline/runtime.ts'),
    import('../progress.ts'),
  ]);
  return withStore(config, async (rt) => {
    const progress = createProgress('aggregate', { quiet: values.quiet ?? false });
    try {
      const result = await runAggregation(withRollupThreads(analyzeDeps(rt)), values.from!, values.to!, (done, total, day) =>
        progress.update(done, total, day),
      );
      progress.done();
      if (!values.quiet)
        process.stdout.write(
          `rebuilt ${result.rebuilt.length} days (${result.empty.length} without data), read ${result.lakeObjectsRead} lake objects\n`,
        );
      return 0;
    } catch (error) {
      progress.done();
      if (error instanceof BadRequestError) throw new UsageError(error.details.map((d) => `--${d.field}: ${d.reason}`).join('; '));
      throw error;
    }
  });
}
