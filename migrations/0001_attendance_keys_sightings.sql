CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_role_check" CHECK ("api_keys"."role" IN ('admin', 'operator', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "check_ins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"score" real NOT NULL,
	"camera" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unknown_sightings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"camera" text DEFAULT '' NOT NULL,
	"model_id" text NOT NULL,
	"dims" integer NOT NULL,
	"embedding" "bytea" NOT NULL,
	"crop" "bytea",
	"best_score" real,
	"best_person_id" uuid,
	CONSTRAINT "unknown_sightings_embedding_dims_check" CHECK ("unknown_sightings"."dims" > 0 AND octet_length("unknown_sightings"."embedding") = "unknown_sightings"."dims" * 4)
);
--> statement-breakpoint
ALTER TABLE "check_ins" ADD CONSTRAINT "check_ins_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unknown_sightings" ADD CONSTRAINT "unknown_sightings_best_person_id_people_id_fk" FOREIGN KEY ("best_person_id") REFERENCES "public"."people"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "check_ins_person_at_idx" ON "check_ins" USING btree ("person_id","at");--> statement-breakpoint
CREATE INDEX "check_ins_at_idx" ON "check_ins" USING btree ("at");--> statement-breakpoint
CREATE INDEX "unknown_sightings_last_seen_idx" ON "unknown_sightings" USING btree ("last_seen_at");