// Camera rows (table cameras): the server-pulled cameras an operator added. Names are unique (a duplicate is refused,
// not merged: two cameras under one name would make their check-ins indistinguishable). The stored URL is whole,
// credentials included; callers outside the camera manager show it only through cameras/camera-url.ts's redaction.
import { asc, eq } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { cameras } from './schema.js';
import { isUniqueViolation, isUuid } from './sql-guards.js';

export interface CameraRow {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  maxFps: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCamera {
  name: string;
  url: string;
  enabled?: boolean;
  maxFps?: number;
}

export type CameraChanges = Partial<NewCamera>;

/** The outcome of a write that may meet another camera's name. */
export type CameraWrite = { ok: true; camera: CameraRow } | { ok: false; reason: 'duplicate_name' };

export function camerasRepo(db: StoreDb) {
  return {
    async list(): Promise<CameraRow[]> {
      return db.select().from(cameras).orderBy(asc(cameras.name));
    },

    async get(id: string): Promise<CameraRow | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(cameras).where(eq(cameras.id, id));
      return row ?? null;
    },

    async create(input: NewCamera): Promise<CameraWrite> {
      try {
        const [row] = await db.insert(cameras).values(input).returning();
        return { ok: true, camera: row! };
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate_name' };
        throw err;
      }
    },

    /** The camera after the changes, or null when there is no such camera. */
    async update(id: string, changes: CameraChanges): Promise<CameraWrite | null> {
      if (!isUuid(id)) return null;
      try {
        const [row] = await db
          .update(cameras)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(cameras.id, id))
          .returning();
        return row ? { ok: true, camera: row } : null;
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, reason: 'duplicate_name' };
        throw err;
      }
    },

    /** True when the camera existed. */
    async delete(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      const rows = await db.delete(cameras).where(eq(cameras.id, id)).returning({ id: cameras.id });
      return rows.length > 0;
    },
  };
}

export type CamerasRepo = ReturnType<typeof camerasRepo>;
