CREATE TABLE "calendar_claims" (
	"account_id" text NOT NULL,
	"calendar_id" text NOT NULL,
	"binding_id" uuid NOT NULL,
	CONSTRAINT "calendar_claims_account_id_calendar_id_pk" PRIMARY KEY("account_id","calendar_id")
);
--> statement-breakpoint
CREATE TABLE "sync_failures" (
	"binding_id" uuid NOT NULL,
	"item" text NOT NULL,
	"task_id" uuid,
	"remote_id" text,
	"direction" text NOT NULL,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"task_version" bigint,
	"attempts" integer DEFAULT 1 NOT NULL,
	"first_at" timestamp with time zone DEFAULT now() NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "sync_failures_binding_id_item_pk" PRIMARY KEY("binding_id","item")
);
--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "resource" jsonb;--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "shown" jsonb;--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "read_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_claims" ADD CONSTRAINT "calendar_claims_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_failures" ADD CONSTRAINT "sync_failures_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_claims_binding_key" ON "calendar_claims" USING btree ("binding_id");--> statement-breakpoint
CREATE UNIQUE INDEX "binding_state_watch_channel_key" ON "binding_state" USING btree ("watch_channel_id");--> statement-breakpoint
-- Claims for calendars already held (R5): the oldest binding on a calendar keeps it.
INSERT INTO "calendar_claims" ("account_id", "calendar_id", "binding_id")
SELECT DISTINCT ON (s.account_id, s.calendar_id) s.account_id, s.calendar_id, s.binding_id
FROM "binding_state" s JOIN "bindings" b ON b.id = s.binding_id
WHERE s.account_id IS NOT NULL AND s.calendar_id IS NOT NULL
ORDER BY s.account_id, s.calendar_id, b.created_at, b.id;
