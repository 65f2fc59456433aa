CREATE TABLE "rollout_controller" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollout_evidence" (
	"flag" text NOT NULL,
	"version" integer NOT NULL,
	"replica" text NOT NULL,
	"domain_runs" bigint DEFAULT 0 NOT NULL,
	"domain_errors" bigint DEFAULT 0 NOT NULL,
	"domain_served" bigint DEFAULT 0 NOT NULL,
	"fallbacks" bigint DEFAULT 0 NOT NULL,
	"comparisons" bigint DEFAULT 0 NOT NULL,
	"mismatches" bigint DEFAULT 0 NOT NULL,
	"noise" bigint DEFAULT 0 NOT NULL,
	"bucket_domain" bigint DEFAULT 0 NOT NULL,
	"bucket_legacy" bigint DEFAULT 0 NOT NULL,
	"domain_latency" jsonb NOT NULL,
	"legacy_latency" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollout_evidence_flag_version_replica_pk" PRIMARY KEY("flag","version","replica")
);
--> statement-breakpoint
CREATE TABLE "rollout_guards" (
	"flag" text PRIMARY KEY NOT NULL,
	"steps" jsonb NOT NULL,
	"hold_ms" integer NOT NULL,
	"min_requests" integer NOT NULL,
	"min_comparisons" integer NOT NULL,
	"max_error_rate" double precision,
	"max_fallback_rate" double precision,
	"max_mismatch_rate" double precision,
	"max_p99_ratio" double precision,
	"srm_p_value" double precision,
	"on_breach" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollout_mismatches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flag" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"args" jsonb NOT NULL,
	"key_hash" text,
	"primary_path" text NOT NULL,
	"primary_ms" double precision NOT NULL,
	"shadow_ms" double precision NOT NULL,
	"diff" jsonb NOT NULL,
	"version" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rollout_changes" ADD COLUMN "detail" jsonb;--> statement-breakpoint
ALTER TABLE "rollout_flags" ADD COLUMN "shadow_percent" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "rollout_guards" ADD CONSTRAINT "rollout_guards_flag_rollout_flags_flag_fk" FOREIGN KEY ("flag") REFERENCES "public"."rollout_flags"("flag") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollout_mismatches_flag_id_idx" ON "rollout_mismatches" USING btree ("flag","id" DESC NULLS FIRST);--> statement-breakpoint
ALTER TABLE "rollout_flags" ADD CONSTRAINT "rollout_flags_shadow_percent_ck" CHECK ("rollout_flags"."shadow_percent" >= 0 and "rollout_flags"."shadow_percent" <= 100);