// Per-camera recognition policies (table camera_policies), keyed by camera label. A camera without a row follows the
// server's settings; `clear` returns it to them.
import { asc, count, eq, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { cameraPolicies } from './schema.js';

export interface CameraPolicyRow {
  camera: string;
  requireLive: boolean;
  updatedAt: Date;
}

const p = cameraPolicies;

export function cameraPoliciesRepo(db: StoreDb) {
  return {
    async list(): Promise<CameraPolicyRow[]> {
      return db.select().from(p).orderBy(asc(p.camera));
    },

    async count(): Promise<number> {
      const [n] = await db.select({ n: count() }).from(p);
      return n?.n ?? 0;
    },

    async set(camera: string, requireLive: boolean): Promise<CameraPolicyRow> {
      const [row] = await db
        .insert(p)
        .values({ camera, requireLive })
        .onConflictDoUpdate({ target: p.camera, set: { requireLive, updatedAt: sql`now()` } })
        .returning();
      return row!;
    },

    /** True when the camera had a policy of its own. */
    async clear(camera: string): Promise<boolean> {
      return (await db.delete(p).where(eq(p.camera, camera)).returning({ camera: p.camera })).length > 0;
    },

    /** A renamed server camera keeps its policy (it is keyed by the label). True when there was one to move. */
    async rename(from: string, to: string): Promise<boolean> {
      if (from === to) return false;
      const [row] = await db.select().from(p).where(eq(p.camera, from));
      if (!row) return false;
      await db.delete(p).where(eq(p.camera, from));
      await db
        .insert(p)
        .values({ camera: to, requireLive: row.requireLive })
        .onConflictDoUpdate({ target: p.camera, set: { requireLive: row.requireLive, updatedAt: sql`now()` } });
      return true;
    },
  };
}

export type CameraPoliciesRepo = ReturnType<typeof cameraPoliciesRepo>;
