-- Change capture in the database itself, so writes by any CRM client are seen.
INSERT INTO settings (id) VALUES (1) ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- N/YYYY numbers: the counter row's lock serializes concurrent inserts of one year.
CREATE FUNCTION taskcal_task_number() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tz text;
  y integer;
  n integer;
BEGIN
  SELECT time_zone INTO tz FROM settings WHERE id = 1;
  y := extract(year FROM (now() AT TIME ZONE coalesce(tz, 'Europe/Warsaw')))::integer;
  INSERT INTO task_counters (year, last) VALUES (y, 1)
    ON CONFLICT (year) DO UPDATE SET last = task_counters.last + 1
    RETURNING last INTO n;
  NEW.number := n || '/' || y;
  NEW.version := 1;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_number BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION taskcal_task_number();
--> statement-breakpoint
-- Every real change bumps version and updated_at; numbers never change.
CREATE FUNCTION taskcal_task_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.number := OLD.number;
  NEW.created_at := OLD.created_at;
  NEW.version := OLD.version;
  NEW.updated_at := OLD.updated_at;
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.version := OLD.version + 1;
    NEW.updated_at := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_version BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION taskcal_task_version();
--> statement-breakpoint
-- A hard delete by any client becomes a tombstone, so the deletion still reaches the calendar.
-- Purging synced tombstones sets taskcal.allow_purge for its transaction.
CREATE FUNCTION taskcal_task_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('taskcal.allow_purge', true), '') = 'on' THEN
    RETURN OLD;
  END IF;
  IF NOT OLD.deleted THEN
    UPDATE tasks SET deleted = true, deleted_at = now() WHERE id = OLD.id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_tombstone BEFORE DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION taskcal_task_tombstone();
--> statement-breakpoint
-- Wake the engine: the payload names the operator and type (and the previous ones, for moves).
CREATE FUNCTION taskcal_task_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('taskcal_tasks', json_build_object(
    'taskId', NEW.id,
    'operatorId', NEW.operator_id,
    'eventTypeId', NEW.event_type_id,
    'previousOperatorId', CASE WHEN TG_OP = 'UPDATE' THEN OLD.operator_id END,
    'previousEventTypeId', CASE WHEN TG_OP = 'UPDATE' THEN OLD.event_type_id END,
    'version', NEW.version)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tasks_notify AFTER INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION taskcal_task_notify();
--> statement-breakpoint
-- Configuration changes restart only the actors concerned.
CREATE FUNCTION taskcal_config_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_id text;
BEGIN
  IF TG_OP = 'DELETE' THEN row_id := OLD.id::text; ELSE row_id := NEW.id::text; END IF;
  PERFORM pg_notify('taskcal_config', json_build_object('table', TG_TABLE_NAME, 'id', row_id, 'op', TG_OP)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER settings_notify AFTER INSERT OR UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION taskcal_config_notify();
--> statement-breakpoint
CREATE TRIGGER event_types_notify AFTER INSERT OR UPDATE OR DELETE ON event_types FOR EACH ROW EXECUTE FUNCTION taskcal_config_notify();
--> statement-breakpoint
CREATE TRIGGER operators_notify AFTER INSERT OR UPDATE OR DELETE ON operators FOR EACH ROW EXECUTE FUNCTION taskcal_config_notify();
--> statement-breakpoint
CREATE TRIGGER bindings_notify AFTER INSERT OR UPDATE OR DELETE ON bindings FOR EACH ROW EXECUTE FUNCTION taskcal_config_notify();
