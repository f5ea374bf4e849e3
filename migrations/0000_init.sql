CREATE TABLE "faces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"model_id" text NOT NULL,
	"dims" integer NOT NULL,
	"embedding" "bytea" NOT NULL,
	"crop" "bytea",
	"quality" real,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "faces_embedding_dims_check" CHECK ("faces"."dims" > 0 AND octet_length("faces"."embedding") = "faces"."dims" * 4),
	CONSTRAINT "faces_quality_range_check" CHECK ("faces"."quality" IS NULL OR ("faces"."quality" >= 0 AND "faces"."quality" <= 1))
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "faces" ADD CONSTRAINT "faces_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "faces_model_id_idx" ON "faces" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "faces_person_id_idx" ON "faces" USING btree ("person_id");