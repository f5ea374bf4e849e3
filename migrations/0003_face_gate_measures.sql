ALTER TABLE "faces" ADD COLUMN "measures" jsonb;--> statement-breakpoint
ALTER TABLE "faces" ADD COLUMN "overridden" jsonb;