CREATE TABLE "detection_stats_minute" (
	"bucket" timestamp with time zone PRIMARY KEY NOT NULL,
	"detections" bigint DEFAULT 0 NOT NULL,
	"handwash" bigint DEFAULT 0 NOT NULL,
	"sanitize" bigint DEFAULT 0 NOT NULL,
	"hairnet" bigint DEFAULT 0 NOT NULL,
	"processing_sum" numeric DEFAULT '0' NOT NULL,
	"confidence_sum" numeric DEFAULT '0' NOT NULL,
	"violations" bigint DEFAULT 0 NOT NULL
);
