CREATE TABLE "camera_policies" (
	"camera" text PRIMARY KEY NOT NULL,
	"require_live" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "security_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text DEFAULT 'presentation_attack' NOT NULL,
	"camera" text DEFAULT '' NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"person_id" uuid,
	"person_name" text,
	"similarity" real,
	"would_be_named" boolean DEFAULT false NOT NULL,
	"live_score" real NOT NULL,
	"frames_checked" integer NOT NULL,
	"attack_frames" integer NOT NULL,
	"crop" "bytea",
	CONSTRAINT "security_events_kind_check" CHECK ("security_events"."kind" IN ('presentation_attack'))
);
--> statement-breakpoint
ALTER TABLE "security_events" ADD CONSTRAINT "security_events_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "security_events_at_idx" ON "security_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "security_events_camera_at_idx" ON "security_events" USING btree ("camera","at");