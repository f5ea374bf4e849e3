// PostgreSQL in tests: suites run against the server in TEST_DATABASE_URL (CI starts one with
// scripts/pg-test-cluster.sh). Without it they are registered as skipped, with this reason in their name.
export const NEEDS_POSTGRES = 'needs TEST_DATABASE_URL';

/** A PostgreSQL suite's title, saying why it skips when there is no server. */
export const pgTitle = (title: string): string => (process.env.TEST_DATABASE_URL ? title : `${title} (${NEEDS_POSTGRES})`);
