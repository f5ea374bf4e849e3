ALTER TABLE "check_ins" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recognitions" ADD COLUMN "dismissed_at" timestamp with time zone;