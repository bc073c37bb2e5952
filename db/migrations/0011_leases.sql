-- Issue 17: several replicas share the bindings. Each replica has a heartbeat row; each binding a lease
-- (owner, epoch, expiry) that one replica at a time holds, claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE "replicas" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
CREATE TABLE "binding_leases" (
	"binding_id" uuid PRIMARY KEY NOT NULL,
	"owner" uuid,
	"epoch" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "binding_leases" ADD CONSTRAINT "binding_leases_binding_id_bindings_id_fk" FOREIGN KEY ("binding_id") REFERENCES "public"."bindings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "binding_leases_owner_idx" ON "binding_leases" USING btree ("owner");--> statement-breakpoint
-- Fencing: the engine's connections name their replica (the taskcal.replica setting, given when each
-- connection opens); a write they make for a binding (links, journal, sync state, failures; a task
-- written from the calendar commits with its link and journal line) is refused unless that replica holds
-- the binding's unexpired lease. The lease row is share-locked until the write commits, so no other
-- replica can claim it in between. Connections without the setting (the API, PGlite's single process)
-- and writes made by other triggers (the tasks' pending mark) are not concerned.
CREATE FUNCTION taskcal_fence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  replica text := current_setting('taskcal.replica', true);
BEGIN
  IF replica IS NULL OR replica = '' OR pg_trigger_depth() > 1 THEN
    RETURN NEW;
  END IF;
  PERFORM 1 FROM binding_leases
    WHERE binding_id = NEW.binding_id AND owner = replica::uuid AND expires_at > now()
    FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'binding %: this replica no longer holds its lease', NEW.binding_id USING ERRCODE = 'TCL01';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER links_fence BEFORE INSERT OR UPDATE ON links FOR EACH ROW EXECUTE FUNCTION taskcal_fence();--> statement-breakpoint
CREATE TRIGGER journal_fence BEFORE INSERT OR UPDATE ON journal FOR EACH ROW EXECUTE FUNCTION taskcal_fence();--> statement-breakpoint
CREATE TRIGGER binding_state_fence BEFORE INSERT OR UPDATE ON binding_state FOR EACH ROW EXECUTE FUNCTION taskcal_fence();--> statement-breakpoint
CREATE TRIGGER sync_failures_fence BEFORE INSERT OR UPDATE ON sync_failures FOR EACH ROW EXECUTE FUNCTION taskcal_fence();
--> statement-breakpoint
-- The calls each account may still take, shared by the replicas (R17 for the whole cluster): one row per
-- account and short window; each replica reserves a few calls at a time (db/queries/quota.ts).
CREATE TABLE "call_budgets" (
	"account" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"granted" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "call_budgets_pkey" PRIMARY KEY("account","window_start")
);
