CREATE TABLE "import_job_results" (
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"verdict" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"source_path" text NOT NULL,
	"exclude" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"owner" text NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"total" integer DEFAULT 0 NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"people_created" integer DEFAULT 0 NOT NULL,
	"people_updated" integer DEFAULT 0 NOT NULL,
	"error" text,
	CONSTRAINT "import_jobs_state_check" CHECK ("import_jobs"."state" IN ('queued', 'running', 'done', 'failed')),
	CONSTRAINT "import_jobs_kind_check" CHECK ("import_jobs"."kind" IN ('zip', 'folder'))
);
--> statement-breakpoint
ALTER TABLE "faces" ADD COLUMN "source_hash" text;--> statement-breakpoint
ALTER TABLE "import_job_results" ADD CONSTRAINT "import_job_results_job_id_import_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."import_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_job_results_job_seq_idx" ON "import_job_results" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "import_jobs_created_idx" ON "import_jobs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "faces_person_source_hash_idx" ON "faces" USING btree ("person_id","source_hash");