CREATE TABLE "binding_state" (
	"binding_id" uuid PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'authorizing' NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"account_id" text,
	"calendar_id" text,
	"sync_token" text,
	"last_sync_at" timestamp with time zone,
	"last_error_code" text,
	"last_error_message" text,
	"last_error_at" timestamp with time zone,
	"pushed" integer DEFAULT 0 NOT NULL,
	"pulled" integer DEFAULT 0 NOT NULL,
	"conflicts" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"watch_channel_id" text,
	"watch_resource_id" text,
	"watch_expires_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bindings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid NOT NULL,
	"event_type_id" uuid NOT NULL,
	"calendar_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_types" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"google_sync" boolean DEFAULT false NOT NULL,
	"display" jsonb DEFAULT '{"fields":[],"features":[]}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journal" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"binding_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"direction" text NOT NULL,
	"action" text NOT NULL,
	"task_id" uuid,
	"remote_id" text,
	"outcome" text NOT NULL,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "links" (
	"task_id" uuid NOT NULL,
	"binding_id" uuid NOT NULL,
	"calendar_id" text NOT NULL,
	"remote_id" text NOT NULL,
	"etag" text,
	"synced_version" bigint NOT NULL,
	"remote_updated" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "links_task_id_binding_id_pk" PRIMARY KEY("task_id","binding_id")
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"google_enabled" boolean DEFAULT false NOT NULL,
	"use_config_token" boolean DEFAULT false NOT NULL,
	"refresh_token_enc" text,
	"provider" text DEFAULT 'google' NOT NULL,
	"caldav_url" text,
	"caldav_username" text,
	"caldav_password_enc" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"google_client_id" text DEFAULT '' NOT NULL,
	"google_client_secret_enc" text,
	"default_refresh_token_enc" text,
	"months_back" integer DEFAULT 3 NOT NULL,
	"time_zone" text DEFAULT 'Europe/Warsaw' NOT NULL,
	"conflict_policy" text DEFAULT 'latest-wins' NOT NULL,
	"poll_interval_seconds" integer DEFAULT 60 NOT NULL,
	"google_requests_per_minute" integer DEFAULT 500 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" text DEFAULT '' NOT NULL,
	"event_type_id" uuid NOT NULL,
	"operator_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"location" text DEFAULT '' NOT NULL,
	"customer" text DEFAULT '' NOT NULL,
	"priority" text DEFAULT 'normal' NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"all_day" boolean DEFAULT false NOT NULL,
	"start_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"start_date" date,
	"end_date" date,
	"time_zone" text,
	"features" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"deleted_at" timestamp with time zone,
	"version" bigint DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "binding_state" ADD CONSTRAINT "binding_state_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bindings" ADD CONSTRAINT "bindings_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bindings" ADD CONSTRAINT "bindings_event_type_id_event_types_id_fk" FOREIGN KEY ("event_type_id") REFERENCES "public"."event_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journal" ADD CONSTRAINT "journal_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_event_type_id_event_types_id_fk" FOREIGN KEY ("event_type_id") REFERENCES "public"."event_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bindings_operator_type_key" ON "bindings" USING btree ("operator_id","event_type_id");--> statement-breakpoint
CREATE UNIQUE INDEX "event_types_name_key" ON "event_types" USING btree ("name");--> statement-breakpoint
CREATE INDEX "journal_binding_idx" ON "journal" USING btree ("binding_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "links_binding_remote_key" ON "links" USING btree ("binding_id","remote_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_number_key" ON "tasks" USING btree ("number");--> statement-breakpoint
CREATE INDEX "tasks_operator_type_idx" ON "tasks" USING btree ("operator_id","event_type_id");--> statement-breakpoint
CREATE INDEX "tasks_updated_idx" ON "tasks" USING btree ("updated_at","id");