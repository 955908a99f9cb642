// The labels an anonymised export (and TOKENLAKE_ANONYMIZE) may replace by a pseudonym. Kept apart
// from anonymize.ts so that lib/config/config.ts, which every CLI start loads, reads the list without zod.

export const anonymizableFields = ['user', 'project', 'api_key', 'session', 'machine', 'workspace'] as const;
export type AnonymizableField = (typeof anonymizableFields)[number];
