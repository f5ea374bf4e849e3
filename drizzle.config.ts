// drizzle-kit configuration: generates the SQL migrations in ./migrations from the store schema.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/server/store/schema.ts',
  out: './migrations',
});
