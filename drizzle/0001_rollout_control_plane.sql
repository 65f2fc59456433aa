CREATE TABLE "rollout_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flag" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"by" text NOT NULL,
	"action" text NOT NULL,
	"from_percent" double precision,
	"from_mode" text,
	"to_percent" double precision NOT NULL,
	"to_mode" text NOT NULL,
	"version" integer NOT NULL,
	"reason" text NOT NULL,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "rollout_flags" (
	"flag" text PRIMARY KEY NOT NULL,
	"percent" double precision NOT NULL,
	"mode" text DEFAULT 'active' NOT NULL,
	"steps" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "rollout_flags_percent_ck" CHECK ("rollout_flags"."percent" >= 0 and "rollout_flags"."percent" <= 100),
	CONSTRAINT "rollout_flags_mode_ck" CHECK ("rollout_flags"."mode" in ('active', 'paused', 'killed')),
	CONSTRAINT "rollout_flags_steps_ck" CHECK (jsonb_typeof("rollout_flags"."steps") = 'array')
);
--> statement-breakpoint
ALTER TABLE "rollout_changes" ADD CONSTRAINT "rollout_changes_flag_rollout_flags_flag_fk" FOREIGN KEY ("flag") REFERENCES "public"."rollout_flags"("flag") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollout_changes_flag_id_idx" ON "rollout_changes" USING btree ("flag","id" DESC NULLS FIRST);--> statement-breakpoint
CREATE UNIQUE INDEX "rollout_changes_flag_version_uq" ON "rollout_changes" USING btree ("flag","version");