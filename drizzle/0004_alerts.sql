CREATE TABLE "alert_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"history_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"target" text,
	"outcome" text NOT NULL,
	"attempts" integer NOT NULL,
	"status_code" integer,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"rule_id" integer,
	"camera_id" varchar(50) NOT NULL,
	"timestamp" timestamp DEFAULT (now() at time zone 'utc') NOT NULL,
	"alert_type" varchar(50) NOT NULL,
	"message" text,
	"details" jsonb,
	"notification_sent" boolean DEFAULT false,
	"notification_channels_used" jsonb,
	"created_at" timestamp DEFAULT (now() at time zone 'utc')
);
--> statement-breakpoint
CREATE TABLE "alert_rule_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"rule_id" integer NOT NULL,
	"action" text NOT NULL,
	"changed_by" varchar(100),
	"changed_at" timestamp with time zone NOT NULL,
	"path" text NOT NULL,
	"request_id" text,
	"idempotency_key" text,
	"request_hash" text,
	"before" jsonb,
	"after" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_rule_state" (
	"rule_id" integer PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"last_source_id" bigint DEFAULT 0 NOT NULL,
	"last_fired_at" timestamp with time zone,
	"quiet_until" timestamp with time zone,
	"alerts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_rules" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"camera_id" varchar(50),
	"rule_type" varchar(50) NOT NULL,
	"conditions" jsonb NOT NULL,
	"notification_channels" jsonb,
	"recipients" jsonb,
	"enabled" boolean DEFAULT true,
	"priority" varchar(20) DEFAULT 'medium',
	"created_at" timestamp DEFAULT (now() at time zone 'utc'),
	"updated_at" timestamp DEFAULT (now() at time zone 'utc'),
	"created_by" varchar(100),
	"updated_by" varchar(100),
	CONSTRAINT "alert_rules_type_ck" CHECK ("alert_rules"."rule_type" in ('event_count', 'violation_count')),
	CONSTRAINT "alert_rules_priority_ck" CHECK ("alert_rules"."priority" in ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_history_id_alert_history_id_fk" FOREIGN KEY ("history_id") REFERENCES "public"."alert_history"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_history" ADD CONSTRAINT "alert_history_rule_id_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_rule_changes" ADD CONSTRAINT "alert_rule_changes_rule_id_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_rule_state" ADD CONSTRAINT "alert_rule_state_rule_id_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_deliveries_history_idx" ON "alert_deliveries" USING btree ("history_id","id");--> statement-breakpoint
CREATE INDEX "alert_history_timestamp_idx" ON "alert_history" USING btree ("timestamp" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alert_history_camera_timestamp_idx" ON "alert_history" USING btree ("camera_id","timestamp" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alert_history_rule_timestamp_idx" ON "alert_history" USING btree ("rule_id","timestamp" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "alert_rule_changes_rule_idx" ON "alert_rule_changes" USING btree ("rule_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_rule_changes_idempotency_uq" ON "alert_rule_changes" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "alert_rules_camera_enabled_idx" ON "alert_rules" USING btree ("camera_id") WHERE "alert_rules"."enabled";--> statement-breakpoint
CREATE INDEX "alert_rules_type_enabled_idx" ON "alert_rules" USING btree ("rule_type") WHERE "alert_rules"."enabled";--> statement-breakpoint
CREATE INDEX "alert_rules_enabled_idx" ON "alert_rules" USING btree ("enabled");--> statement-breakpoint
CREATE INDEX "alert_rules_updated_at_idx" ON "alert_rules" USING btree ("updated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);