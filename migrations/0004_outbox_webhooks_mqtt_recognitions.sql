CREATE TABLE "mqtt_settings" (
	"id" integer PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"url" text NOT NULL,
	"username" text,
	"password" text,
	"topic_prefix" text DEFAULT 'facestream' NOT NULL,
	"discovery_prefix" text DEFAULT 'homeassistant' NOT NULL,
	"discovery" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mqtt_settings_single_row" CHECK ("mqtt_settings"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "outbox_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"event_id" uuid NOT NULL,
	"webhook_id" uuid,
	"target" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"last_status" integer,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_deliveries_state_check" CHECK ("outbox_deliveries"."state" IN ('pending', 'delivered', 'failed')),
	CONSTRAINT "outbox_deliveries_target_check" CHECK (("outbox_deliveries"."target" = 'webhook') = ("outbox_deliveries"."webhook_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recognitions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"camera" text DEFAULT '' NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	"score" real NOT NULL,
	"model_id" text NOT NULL,
	"dims" integer NOT NULL,
	"embedding" "bytea" NOT NULL,
	"crop" "bytea",
	CONSTRAINT "recognitions_embedding_dims_check" CHECK ("recognitions"."dims" > 0 AND octet_length("recognitions"."embedding") = "recognitions"."dims" * 4)
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"event_types" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbox_deliveries" ADD CONSTRAINT "outbox_deliveries_event_id_outbox_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."outbox_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_deliveries" ADD CONSTRAINT "outbox_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recognitions" ADD CONSTRAINT "recognitions_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_deliveries_due_idx" ON "outbox_deliveries" USING btree ("state","next_attempt_at","seq");--> statement-breakpoint
CREATE INDEX "outbox_deliveries_event_idx" ON "outbox_deliveries" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "outbox_deliveries_webhook_idx" ON "outbox_deliveries" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_events_created_idx" ON "outbox_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "recognitions_person_seen_idx" ON "recognitions" USING btree ("person_id","seen_at");--> statement-breakpoint
CREATE INDEX "recognitions_camera_seen_idx" ON "recognitions" USING btree ("camera","seen_at");--> statement-breakpoint
CREATE INDEX "recognitions_seen_idx" ON "recognitions" USING btree ("seen_at");