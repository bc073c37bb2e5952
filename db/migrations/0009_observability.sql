-- Issue 15: what GET /api/actors and the metrics show of a binding's lag and import, kept in its state row
-- so that any process can answer; and an index for the retention job's purge of tombstones.
ALTER TABLE "binding_state" ADD COLUMN "last_pull_at" timestamp with time zone;--> statement-breakpoint
-- Since when a CRM change has waited for the calendar (null: none waits). A new binding waits from the
-- start of its first import; rows already there get the migration's time, settled by their next pass.
ALTER TABLE "binding_state" ADD COLUMN "push_pending_since" timestamp with time zone DEFAULT now();--> statement-breakpoint
ALTER TABLE "binding_state" ADD COLUMN "progress_phase" text;--> statement-breakpoint
ALTER TABLE "binding_state" ADD COLUMN "progress_done" integer;--> statement-breakpoint
ALTER TABLE "binding_state" ADD COLUMN "progress_total" integer;--> statement-breakpoint
CREATE INDEX "tasks_tombstone_idx" ON "tasks" USING btree ("deleted_at") WHERE "deleted";--> statement-breakpoint
-- Any write to a task, by any client, marks the bindings it concerns (now and before a move) as having a
-- change waiting, unless one already waits; the engine settles the mark after each pass. Only the first
-- write while nothing waits touches binding_state, and it never waits for that row: a row locked by
-- another transaction (the engine committing, another client marking it) is skipped, so a CRM client's
-- write is never held up by, nor deadlocks on, the engine's bookkeeping. A change skipped so meets a
-- pass of that binding under way, which settles the mark (db/queries/lag.ts) if it does not push it.
CREATE FUNCTION taskcal_task_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN
    RETURN NULL;
  END IF;
  UPDATE binding_state SET push_pending_since = now()
  WHERE binding_id IN (
    SELECT s.binding_id FROM binding_state s JOIN bindings b ON b.id = s.binding_id
    WHERE s.push_pending_since IS NULL
      AND ((b.operator_id = NEW.operator_id AND b.event_type_id = NEW.event_type_id)
        OR (TG_OP = 'UPDATE' AND b.operator_id = OLD.operator_id AND b.event_type_id = OLD.event_type_id))
    FOR UPDATE OF s SKIP LOCKED);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_pending AFTER INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION taskcal_task_pending();
