CREATE TABLE "cameras" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_id" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "detection_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"person_count" integer DEFAULT 0 NOT NULL,
	"hairnet_violations" integer DEFAULT 0 NOT NULL,
	"handwash_events" integer DEFAULT 0 NOT NULL,
	"sanitize_events" integer DEFAULT 0 NOT NULL,
	"processing_time" double precision DEFAULT 0 NOT NULL,
	"fps" real DEFAULT 0 NOT NULL,
	"avg_confidence" real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"ts" double precision NOT NULL,
	"type" text,
	"camera_id" text,
	"track_id" bigint,
	"evidence" jsonb,
	"raw" text NOT NULL,
	"source_key" text NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_checkpoints" (
	"log_path" text PRIMARY KEY NOT NULL,
	"file_id" text NOT NULL,
	"position" bigint NOT NULL,
	"lines_ingested" bigint DEFAULT 0 NOT NULL,
	"lines_skipped" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "regions" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "regions_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "violation_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"camera_id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"violation_type" text NOT NULL,
	"track_id" bigint,
	"confidence" real,
	"bbox" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"notes" text,
	"handled_by" text,
	"handled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "violation_events_status_ck" CHECK ("violation_events"."status" in ('pending', 'confirmed', 'false_positive', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "violation_status_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"violation_id" bigint NOT NULL,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"notes" text,
	"changed_by" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"path" text NOT NULL,
	"request_id" text,
	"idempotency_key" text
);
--> statement-breakpoint
ALTER TABLE "cameras" ADD CONSTRAINT "cameras_region_id_regions_id_fk" FOREIGN KEY ("region_id") REFERENCES "public"."regions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "violation_status_history" ADD CONSTRAINT "violation_status_history_violation_id_violation_events_id_fk" FOREIGN KEY ("violation_id") REFERENCES "public"."violation_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "detection_records_recorded_at_idx" ON "detection_records" USING btree ("recorded_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE UNIQUE INDEX "events_source_key_uq" ON "events" USING btree ("source_key");--> statement-breakpoint
CREATE INDEX "events_occurred_at_idx" ON "events" USING btree ("occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "events_camera_occurred_at_idx" ON "events" USING btree ("camera_id","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "events_type_occurred_at_idx" ON "events" USING btree ("type","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "violation_events_occurred_at_idx" ON "violation_events" USING btree ("occurred_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "violation_events_status_occurred_at_idx" ON "violation_events" USING btree ("status","occurred_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "violation_events_camera_occurred_at_idx" ON "violation_events" USING btree ("camera_id","occurred_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "violation_status_history_violation_idx" ON "violation_status_history" USING btree ("violation_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "violation_status_history_idempotency_uq" ON "violation_status_history" USING btree ("idempotency_key");