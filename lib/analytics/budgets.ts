// Budgets: the file users edit (config/budgets.json), and each budget's month-to-date status —
// spent, forecast at month end from the trailing 7-day burn rate, the day it runs out at that rate.
// A file that fails validation never replaces the last good one.

import { z } from 'zod';
import { addDays } from '../core/calendar.ts';
import { CorruptObjectError } from '../core/errors.ts';
import { BUDGETS_KEY, BUDGETS_LAST_GOOD_KEY } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';

const budgetScopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('global') }),
  z.object({ type: z.enum(['project', 'provider', 'model', 'user']), value: z.string().min(1).max(256) }),
]);
export type BudgetScope = z.infer<typeof budgetScopeSchema>;

export const budgetSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (max 64)'),
  scope: budgetScopeSchema.default({ type: 'global' }),
  monthly_usd: z.number().positive().finite(),
  daily_usd: z.number().positive().finite().optional(),
  /** Fractions of the limit that raise an alert, default 50 %, 80 %, 100 %. */
  thresholds: z.array(z.number().positive().max(10)).min(1).max(10).default([0.5, 0.8, 1]),
});
export type Budget = z.infer<typeof budgetSchema>;

/**
 * The budgets file.
 * @example {"budgets":[{"id":"team","monthly_usd":500},{"id":"web","scope":{"type":"project","value":"web"},"monthly_usd":120,"daily_usd":10}]}
 */
export const budgetsFileSchema = z
  .object({ budgets: z.array(budgetSchema).max(200) })
  .refine((f) => new Set(f.budgets.map((b) => b.id)).size === f.budgets.length, {
    message: 'budget ids must be unique',
    path: ['budgets'],
  });

interface LoadedBudgets {
  budgets: Budget[];
  /** Why the current file was not used (the last good one was), or null. */
  error: string | null;
}

export async function loadBudgets(store: ObjectStore): Promise<LoadedBudgets> {
  const got = await store.getText(BUDGETS_KEY);
  if (!got) return { budgets: [], error: null };
  let error: string;
  try {
    const parsed = budgetsFileSchema.safeParse(JSON.parse(got.text));
    if (parsed.success) {
      await store.put(BUDGETS_LAST_GOOD_KEY, JSON.stringify(parsed.data));
      return { budgets: parsed.data.budgets, error: null };
    }
    const issue = parsed.error.issues[0];
    error = `${BUDGETS_KEY}: ${issue?.path.join('.') || '(file)'}: ${issue?.message}`;
  } catch (e) {
    error = `${BUDGETS_KEY}: not JSON: ${(e as Error).message}`;
  }
  const last = await store.getText(BUDGETS_LAST_GOOD_KEY);
  if (!last) return { budgets: [], error };
  const parsed = budgetsFileSchema.safeParse(JSON.parse(last.text));
  if (!parsed.success) throw new CorruptObjectError(BUDGETS_LAST_GOOD_KEY, 'last good budgets no longer validate');
  return { budgets: parsed.data.budgets, error };
}

function scopeLabel(scope: BudgetScope): string {
  return scope.type === 'global' ? 'all usage' : `${scope.type} ${scope.value}`;
}

interface BudgetInput {
  asOf: string;
  daysInMonth: number;
  spentMonthToDate: number;
  spentToday: number;
  burnRate7d: number;
  /** Spend per local day of the month so far, oldest first: dates when each threshold was reached. */
  spentByDay?: ReadonlyArray<readonly [string, number]>;
}

type BudgetState = 'ok' | 'warning' | 'over' | 'forecast_over';

interface BudgetStatus {
  id: string;
  scope: string;
  limit_usd: number;
  spent_usd: number;
  forecast_usd: number;
  run_out_day: string | null;
  status: BudgetState;
  daily_limit_usd: number | null;
  today_usd: number;
  /** Thresholds (fractions) that actual spend has reached, and that the forecast reaches. */
  thresholds_reached: number[];
  thresholds_forecast: number[];
  /** The day each reached threshold was reached (with spentByDay). */
  reached_on?: Array<{ threshold: number; day: string }>;
}

/** The first day whose running total reaches `amount`, or null. */
export function dayReaching(spentByDay: ReadonlyArray<readonly [string, number]>, amount: number): string | null {
  let total = 0;
  for (const [day, usd] of spentByDay) {
    total += usd;
    if (total >= amount) return day;
  }
  return null;
}

export function budgetStatus(budget: Budget, input: BudgetInput): BudgetStatus {
  const limit = budget.monthly_usd;
  const day = Number(input.asOf.slice(8, 10));
  const remaining = input.daysInMonth - day;
  const spent = input.spentMonthToDate;
  const forecast = spent + input.burnRate7d * remaining;
  let runOut: string | null = null;
  if (spent >= limit) runOut = input.asOf;
  else if (input.burnRate7d > 0) {
    const days = Math.ceil((limit - spent) / input.burnRate7d);
    if (days <= remaining) runOut = addDays(input.asOf, days);
  }
  const reached = budget.thresholds.filter((t) => spent >= t * limit);
  const forecastReached = budget.thresholds.filter((t) => forecast >= t * limit);
  const warnAt = Math.min(...budget.thresholds.filter((t) => t < 1), 1);
  let status: BudgetState = 'ok';
  if (spent >= limit || (budget.daily_usd !== undefined && input.spentToday >= budget.daily_usd)) status = 'over';
  else if (forecast >= limit) status = 'forecast_over';
  else if (spent >= warnAt * limit) status = 'warning';
  return {
    id: budget.id,
    scope: scopeLabel(budget.scope),
    limit_usd: limit,
    spent_usd: spent,
    forecast_usd: forecast,
    run_out_day: runOut,
    status,
    daily_limit_usd: budget.daily_usd ?? null,
    today_usd: input.spentToday,
    thresholds_reached: reached,
    thresholds_forecast: forecastReached,
    ...(input.spentByDay
      ? { reached_on: reached.map((t) => ({ threshold: t, day: dayReaching(input.spentByDay!, t * limit) ?? input.asOf })) }
      : {}),
  };
}
