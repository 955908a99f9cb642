// The FOCUS 1.2 column constraints, encoded by hand from the specification (FinOps-Open-Cost-and-
// Usage-Spec/FOCUS_Spec at tag v1.2, specification/columns/*.md and specification/attributes/*.md;
// each rule names its file), applied to a FOCUS CSV as a consumer reads it: every cell is text and
// an empty cell is null. Independent of lib/export/focus.ts: it imports nothing from it.

export interface Violation {
  row: number;
  column: string;
  rule: string;
}

/** Mandatory columns (Feature level "Mandatory" in each column's content constraints). */
export const MANDATORY_COLUMNS = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
];

/**
 * Conditional and recommended columns that apply to an LLM API billed per token from published
 * price lists (skuid.md, skupriceid.md, skumeter.md, skupricedetails.md, listunitprice.md:
 * "when the provider publishes unit prices"; consumedquantity.md: "supports the measurement of
 * usage"; chargefrequency.md, servicesubcategory.md, invoiceid.md: RECOMMENDED).
 */
export const APPLICABLE_COLUMNS = [
  'ConsumedQuantity',
  'ConsumedUnit',
  'ListUnitPrice',
  'PricingCategory',
  'SkuId',
  'SkuMeter',
  'SkuPriceDetails',
  'SkuPriceId',
  'ChargeFrequency',
  'ServiceSubcategory',
  'InvoiceId',
];

/** Data types per column (content constraints "Data type"). */
const DECIMAL = [
  'BilledCost',
  'ConsumedQuantity',
  'ContractedCost',
  'ContractedUnitPrice',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
  'PricingQuantity',
];
const DATETIME = ['BillingPeriodEnd', 'BillingPeriodStart', 'ChargePeriodEnd', 'ChargePeriodStart'];
const KEY_VALUE = ['Tags', 'SkuPriceDetails'];

/** Columns whose "Allows nulls" is False. */
const NOT_NULL = [
  'BilledCost',
  'BillingAccountId',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeFrequency',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
  'ServiceSubcategory',
];

const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']; // chargecategory.md
const CHARGE_FREQUENCIES = ['One-Time', 'Recurring', 'Usage-Based']; // chargefrequency.md
const PRICING_CATEGORIES = ['Standard', 'Dynamic', 'Committed', 'Other']; // pricingcategory.md
/** servicecategory.md allowed values. */
const SERVICE_CATEGORIES = [
  'AI and Machine Learning',
  'Analytics',
  'Business Applications',
  'Compute',
  'Databases',
  'Developer Tools',
  'Multicloud',
  'Identity',
  'Integration',
  'Internet of Things',
  'Management and Governance',
  'Media',
  'Migration',
  'Mobile',
  'Networking',
  'Security',
  'Storage',
  'Web',
  'Other',
];
/** servicesubcategory.md: the subcategories of "AI and Machine Learning" (the only category emitted). */
const SERVICE_SUBCATEGORIES: Record<string, string> = {
  'AI Platforms': 'AI and Machine Learning',
  Bots: 'AI and Machine Learning',
  'Generative AI': 'AI and Machine Learning',
  'Machine Learning': 'AI and Machine Learning',
  'Natural Language Processing': 'AI and Machine Learning',
  'Other (AI and Machine Learning)': 'AI and Machine Learning',
};
/** skupricedetails.md FOCUS-defined properties (any other key must start with x_). */
const SKU_PRICE_PROPERTIES = [
  'CoreCount',
  'DiskMaxIops',
  'DiskSpace',
  'DiskType',
  'GpuCount',
  'InstanceType',
  'InstanceSeries',
  'MemorySize',
  'NetworkMaxIops',
  'NetworkMaxThroughput',
  'OperatingSystem',
  'Redundancy',
  'StorageClass',
];

/**
 * numeric_format.md: an integer, a decimal or "mEn" E notation; no sign on a positive value or a
 * positive exponent, no commas, units or symbols. (Lowercase e is not E notation.)
 */
const NUMERIC = /^-?\d+(\.\d+)?(E-?\d+)?$/;
/** datetime_format.md: YYYY-MM-DDTHH:mm:ssZ, UTC. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** unit_format.md: "<plural-units>", or "<whole quantity> <plural-units>"; capitalised nouns. */
const UNIT = /^(\d+ )?[A-Z][A-Za-z]*$/;
/** column_handling.md: PascalCase alphanumeric FOCUS ids; custom columns prefixed x_. */
const FOCUS_ID = /^[A-Z][A-Za-z0-9]*$/;

/** Relative agreement of a product with a cost (decimal text read back as doubles). */
function matches(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Header-level rules: presence and naming/ordering (column_handling.md). */
export function checkHeader(header: readonly string[]): string[] {
  const problems: string[] = [];
  for (const c of [...MANDATORY_COLUMNS, ...APPLICABLE_COLUMNS]) if (!header.includes(c)) problems.push(`${c} missing`);
  const firstCustom = header.findIndex((c) => c.startsWith('x_'));
  header.forEach((c, i) => {
    if (c.startsWith('x_')) return;
    if (!FOCUS_ID.test(c)) problems.push(`${c}: not a PascalCase alphanumeric column id and not x_-prefixed`);
    if (firstCustom !== -1 && i > firstCustom) problems.push(`${c}: FOCUS column after a custom column`);
  });
  if (new Set(header).size !== header.length) problems.push('a column is named twice');
  return problems;
}

/** Row-level rules for every row; `rows` as read from the CSV (empty text = null). */
export function checkRows(rows: ReadonlyArray<Record<string, string>>): Violation[] {
  const out: Violation[] = [];
  const skuOfPrice = new Map<string, Set<string>>();
  rows.forEach((row, i) => {
    const v = (column: string, rule: string) => out.push({ row: i, column, rule });
    const has = (c: string) => c in row;
    const isNull = (c: string) => (row[c] ?? '') === '';
    const num = (c: string) => Number(row[c]);

    for (const c of NOT_NULL) if (has(c) && isNull(c)) v(c, 'MUST NOT be null');
    for (const c of DECIMAL) if (has(c) && !isNull(c) && !NUMERIC.test(row[c]!)) v(c, `not NumericFormat: ${row[c]}`);
    for (const c of DATETIME) if (has(c) && !isNull(c) && !DATE_TIME.test(row[c]!)) v(c, `not DateTimeFormat: ${row[c]}`);
    for (const c of KEY_VALUE) {
      if (!has(c) || isNull(c)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(row[c]!);
      } catch {
        v(c, 'KeyValueFormat: not JSON');
        continue;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) v(c, 'KeyValueFormat: not a JSON object');
      else if (Object.values(parsed).some((x) => x !== null && typeof x === 'object'))
        v(c, 'KeyValueFormat: a value is an object or array');
    }
    // string_handling.md: no empty or blank strings in columns that may not be null.
    for (const c of NOT_NULL) if (has(c) && !DECIMAL.includes(c) && !isNull(c) && row[c]!.trim() === '') v(c, 'blank string');

    // billingcurrency.md + currency_format.md: a national currency, ISO 4217.
    if (has('BillingCurrency') && !/^[A-Z]{3}$/.test(row.BillingCurrency ?? '')) v('BillingCurrency', 'not an ISO 4217 code');
    // billingperiodstart/end.md, chargeperiodstart/end.md: inclusive start, exclusive end.
    if (!(row.BillingPeriodStart! < row.BillingPeriodEnd!)) v('BillingPeriodEnd', 'not after BillingPeriodStart');
    if (!(row.ChargePeriodStart! < row.ChargePeriodEnd!)) v('ChargePeriodEnd', 'not after ChargePeriodStart');
    if (row.ChargePeriodStart! < row.BillingPeriodStart! || row.ChargePeriodStart! >= row.BillingPeriodEnd!) {
      v('ChargePeriodStart', 'outside its billing period');
    }

    const category = row.ChargeCategory ?? '';
    if (!CHARGE_CATEGORIES.includes(category)) v('ChargeCategory', `not an allowed value: ${category}`);
    // chargeclass.md: null, or "Correction".
    if (!isNull('ChargeClass') && row.ChargeClass !== 'Correction') v('ChargeClass', 'not null and not "Correction"');
    const correction = row.ChargeClass === 'Correction';
    if (has('ChargeFrequency')) {
      if (!CHARGE_FREQUENCIES.includes(row.ChargeFrequency ?? '')) v('ChargeFrequency', 'not an allowed value');
      if (category === 'Purchase' && row.ChargeFrequency === 'Usage-Based') v('ChargeFrequency', 'Usage-Based on a Purchase');
    }
    if (!SERVICE_CATEGORIES.includes(row.ServiceCategory ?? '')) v('ServiceCategory', 'not an allowed value');
    if (has('ServiceSubcategory')) {
      const parent = SERVICE_SUBCATEGORIES[row.ServiceSubcategory ?? ''];
      if (parent === undefined)
        v('ServiceSubcategory', `not an allowed value (of the encoded AI and Machine Learning ones): ${row.ServiceSubcategory}`);
      else if (parent !== row.ServiceCategory) v('ServiceSubcategory', "parent is not the row's ServiceCategory");
    }
    if (has('PricingCategory') && !isNull('PricingCategory') && !PRICING_CATEGORIES.includes(row.PricingCategory!)) {
      v('PricingCategory', 'not an allowed value');
    }

    // Usage and Purchase rows that are not corrections must carry their quantities, SKU and prices.
    const usageOrPurchase = (category === 'Usage' || category === 'Purchase') && !correction;
    if (usageOrPurchase) {
      for (const c of ['PricingQuantity', 'PricingCategory', 'SkuId', 'SkuPriceId', 'ListUnitPrice']) {
        if (has(c) && isNull(c)) v(c, 'MUST NOT be null on a Usage/Purchase row'); // pricingquantity.md, pricingcategory.md, skuid.md, skupriceid.md, listunitprice.md
      }
    }
    if (category === 'Tax') {
      for (const c of ['PricingQuantity', 'PricingCategory', 'SkuId', 'SkuPriceId', 'ListUnitPrice']) {
        if (has(c) && !isNull(c)) v(c, 'MUST be null on a Tax row');
      }
    }
    // consumedquantity.md: null unless Usage; not null on Usage (no commitment discounts here).
    if (has('ConsumedQuantity')) {
      if (category !== 'Usage' && !isNull('ConsumedQuantity')) v('ConsumedQuantity', 'MUST be null when ChargeCategory is not Usage');
      if (category === 'Usage' && !correction && isNull('ConsumedQuantity')) v('ConsumedQuantity', 'MUST NOT be null on a Usage row');
    }
    // consumedunit.md, pricingunit.md: the unit is null exactly when its quantity is.
    if (has('ConsumedUnit') && isNull('ConsumedUnit') !== isNull('ConsumedQuantity'))
      v('ConsumedUnit', 'null iff ConsumedQuantity is null');
    if (isNull('PricingUnit') !== isNull('PricingQuantity')) v('PricingUnit', 'null iff PricingQuantity is null');
    for (const c of ['ConsumedUnit', 'PricingUnit']) if (has(c) && !isNull(c) && !UNIT.test(row[c]!)) v(c, `not UnitFormat: ${row[c]}`);

    // listunitprice.md / listcost.md: non-negative; ListUnitPrice × PricingQuantity = ListCost;
    // without a unit price, ListCost of a charge unrelated to others matches BilledCost.
    if (has('ListUnitPrice') && !isNull('ListUnitPrice')) {
      if (num('ListUnitPrice') < 0) v('ListUnitPrice', 'negative');
      if (
        !isNull('PricingQuantity') &&
        !correction &&
        !isNull('ListCost') &&
        !matches(num('ListUnitPrice') * num('PricingQuantity'), num('ListCost'))
      ) {
        v('ListCost', `≠ ListUnitPrice × PricingQuantity (${row.ListUnitPrice} × ${row.PricingQuantity} vs ${row.ListCost})`);
      }
    } else if (!isNull('ListCost') && !isNull('BilledCost') && !matches(num('ListCost'), num('BilledCost'))) {
      v('ListCost', 'without ListUnitPrice, ≠ BilledCost');
    }
    // contractedcost.md, contractedunitprice.md (the same rules for contracted prices).
    if (has('ContractedUnitPrice') && !isNull('ContractedUnitPrice')) {
      if (num('ContractedUnitPrice') < 0) v('ContractedUnitPrice', 'negative');
      if (
        !isNull('PricingQuantity') &&
        !correction &&
        !matches(num('ContractedUnitPrice') * num('PricingQuantity'), num('ContractedCost'))
      ) {
        v('ContractedCost', '≠ ContractedUnitPrice × PricingQuantity');
      }
    } else if (!isNull('ContractedCost') && !isNull('BilledCost') && !matches(num('ContractedCost'), num('BilledCost'))) {
      v('ContractedCost', 'without ContractedUnitPrice, ≠ BilledCost');
    }
    if (usageOrPurchase && has('ContractedUnitPrice') && isNull('ContractedUnitPrice'))
      v('ContractedUnitPrice', 'MUST NOT be null on a Usage/Purchase row');
    // effectivecost.md: a charge other than Usage/Purchase, unrelated to others, matches BilledCost.
    if (category !== 'Usage' && category !== 'Purchase' && !isNull('EffectiveCost') && !matches(num('EffectiveCost'), num('BilledCost'))) {
      v('EffectiveCost', '≠ BilledCost on a charge unrelated to others');
    }

    // skumeter.md, skupricedetails.md, skupriceid.md.
    if (has('SkuMeter') && isNull('SkuId') && !isNull('SkuMeter')) v('SkuMeter', 'MUST be null when SkuId is null');
    if (has('SkuPriceDetails') && isNull('SkuPriceId') && !isNull('SkuPriceDetails'))
      v('SkuPriceDetails', 'MUST be null when SkuPriceId is null');
    if (has('SkuPriceDetails') && !isNull('SkuPriceDetails')) {
      const keys = Object.keys(JSON.parse(row.SkuPriceDetails!) as object);
      for (const k of keys)
        if (!k.startsWith('x_') && !SKU_PRICE_PROPERTIES.includes(k)) v('SkuPriceDetails', `key ${k} neither FOCUS-defined nor x_`);
    }
    if (!isNull('SkuPriceId')) {
      if (isNull('SkuId')) v('SkuPriceId', 'has no parent SkuId');
      else skuOfPrice.set(row.SkuPriceId!, (skuOfPrice.get(row.SkuPriceId!) ?? new Set()).add(row.SkuId!));
    }

    // billingaccounttype.md, subaccountname/type.md, regionname.md, resourcename/type.md.
    if (has('BillingAccountType') && isNull('BillingAccountType') !== isNull('BillingAccountId'))
      v('BillingAccountType', 'null iff BillingAccountId is null');
    for (const c of ['SubAccountName', 'SubAccountType'])
      if (has(c) && isNull(c) !== isNull('SubAccountId')) v(c, 'null iff SubAccountId is null');
    if (has('RegionName') && isNull('RegionName') !== isNull('RegionId')) v('RegionName', 'null iff RegionId is null');
    for (const c of ['ResourceName', 'ResourceType'])
      if (has(c) && isNull('ResourceId') && !isNull(c)) v(c, 'MUST be null when ResourceId is null');
    if (has('ResourceType') && !isNull('ResourceId') && isNull('ResourceType'))
      v('ResourceType', 'MUST NOT be null when ResourceId is not null');
    if (!isNull('ResourceId') && row.ResourceName === row.ResourceId) v('ResourceName', 'duplicates ResourceId');
  });
  for (const [price, skus] of skuOfPrice)
    if (skus.size > 1) out.push({ row: -1, column: 'SkuPriceId', rule: `${price} has ${skus.size} parent SkuIds` });
  return out;
}

/** A strict RFC 4180 reader for the tests (CRLF records, quoted fields). */
export function readCsv(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else cell += c;
  }
  const [header = [], ...rest] = records;
  return { header, rows: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}
