import { configDefaults, defineConfig } from 'vitest/config';

/**
 * What `npm run test:unit` leaves out, so the inner loop needs no browser, no packaging and no
 * server beyond in-memory ones: the dashboard in Chromium, the deploy template (esbuild bundles of
 * every handler), the bench smoke run, and the suites that start s3rver (the S3 adapter over HTTP,
 * the fault proxy, team-mode push). `npm test` (and CI) runs everything.
 */
const needsMoreThanMemory = [
  'tests/integration/**',
  'tests/deploy/**',
  'tests/bench/**',
  'tests/cli/push.test.ts',
  'tests/cli/bedrock.test.ts',
  'tests/lib/sources/bedrock.test.ts',
  'tests/lib/store/conformance.test.ts',
  'tests/lib/store/migrate-s3rver.test.ts',
];
const unitOnly = process.env.TOKENLAKE_TESTS === 'unit';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(unitOnly ? needsMoreThanMemory : [])],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { TZ: 'UTC' },
  },
});
