-- Fencing takes the lease row FOR KEY SHARE instead of FOR SHARE. A writer still keeps other replicas
-- from claiming the lease until it commits (a claim locks FOR UPDATE SKIP LOCKED, which KEY SHARE
-- blocks), but the owner's own heartbeat (a plain UPDATE of expires_at, FOR NO KEY UPDATE) no longer
-- waits for its writes: with quiet polls of many bindings in one statement, the heartbeat renewing all
-- of a replica's leases and such a statement took the same rows in different orders and deadlocked.
CREATE OR REPLACE FUNCTION taskcal_fence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  replica text := current_setting('taskcal.replica', true);
BEGIN
  IF replica IS NULL OR replica = '' OR pg_trigger_depth() > 1 THEN
    RETURN NEW;
  END IF;
  PERFORM 1 FROM binding_leases
    WHERE binding_id = NEW.binding_id AND owner = replica::uuid AND expires_at > now()
    FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'binding %: this replica no longer holds its lease', NEW.binding_id USING ERRCODE = 'TCL01';
  END IF;
  RETURN NEW;
END $$;
