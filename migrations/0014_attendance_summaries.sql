CREATE TABLE "attendance_summaries" (
	"day" text PRIMARY KEY NOT NULL,
	"sent_at" timestamp with time zone NOT NULL
);
