// The table shipped with this release, under the name the pricing code uses. Apart from
// price-table.ts (the contract) because the generated catalogue imports its type from there: the
// contract importing the catalogue back made a circle.

import { bundledPriceTable } from './catalogue.generated.ts';
import type { PriceTable } from './price-table.ts';

/** The table shipped with this release (generated; see scripts/update-prices.ts). */
export const builtInPriceTable: PriceTable = bundledPriceTable;
