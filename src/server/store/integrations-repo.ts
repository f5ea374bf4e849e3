// Where events go (tables webhooks and mqtt_settings): webhook endpoints and the one MQTT connection.
import { asc, eq } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { mqttSettings, webhooks, type WEBHOOK_FORMATS } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface Webhook {
  id: string;
  name: string;
  url: string;
  secret: string;
  eventTypes: string[];
  format: (typeof WEBHOOK_FORMATS)[number];
  /** Only events from these cameras; null: every camera. */
  cameras: string[] | null;
  enabled: boolean;
  createdAt: Date;
}

/** `format` left out: `json`; `cameras` left out: every camera. */
export type WebhookInput = Omit<Webhook, 'id' | 'createdAt' | 'format' | 'cameras'> & { format?: Webhook['format']; cameras?: string[] | null };

export interface MqttSettings {
  enabled: boolean;
  url: string;
  username: string | null;
  password: string | null;
  topicPrefix: string;
  discoveryPrefix: string;
  discovery: boolean;
  updatedAt: Date;
}

export function integrationsRepo(db: StoreDb) {
  return {
    async createWebhook(w: WebhookInput): Promise<Webhook> {
      const [row] = await db.insert(webhooks).values(w).returning();
      return row!;
    },
    listWebhooks: (): Promise<Webhook[]> => db.select().from(webhooks).orderBy(asc(webhooks.createdAt), asc(webhooks.id)),
    async getWebhook(id: string): Promise<Webhook | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
      return row ?? null;
    },
    async updateWebhook(id: string, patch: Partial<WebhookInput>): Promise<Webhook | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.update(webhooks).set(patch).where(eq(webhooks.id, id)).returning();
      return row ?? null;
    },
    /** Its pending and past deliveries go with it. */
    async deleteWebhook(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      return (await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id })).length > 0;
    },

    async mqtt(): Promise<MqttSettings | null> {
      const [row] = await db.select().from(mqttSettings).where(eq(mqttSettings.id, 1));
      if (!row) return null;
      const { id: _id, ...rest } = row;
      return rest;
    },
    async saveMqtt(s: Omit<MqttSettings, 'updatedAt'>): Promise<MqttSettings> {
      const values = { ...s, id: 1, updatedAt: new Date() };
      const [row] = await db.insert(mqttSettings).values(values).onConflictDoUpdate({ target: mqttSettings.id, set: values }).returning();
      const { id: _id, ...rest } = row!;
      return rest;
    },
  };
}

export type IntegrationsRepo = ReturnType<typeof integrationsRepo>;
