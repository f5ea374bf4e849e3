CREATE TABLE "gallery_changes" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"change" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "people_name_lower_idx" ON "people" USING btree (lower("name"));