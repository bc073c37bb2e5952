-- Issue 16: each actor's state changes (from, to, and the error that came with one), newest shown first on
-- the console's actor page and by GET /api/actors/{id}/state-changes. Gone with the binding.
CREATE TABLE "actor_state_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"binding_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"error_code" text,
	"error_message" text
);--> statement-breakpoint
ALTER TABLE "actor_state_changes" ADD CONSTRAINT "actor_state_changes_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "actor_state_changes_binding_idx" ON "actor_state_changes" USING btree ("binding_id","id");
