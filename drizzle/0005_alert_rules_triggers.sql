-- alert_rules: updated_at follows every change (as the old schema's BEFORE UPDATE trigger did),
-- and every INSERT or UPDATE appends its audit row to alert_rule_changes, whoever made it.
-- The gateway sets updated_at itself (from its clock) and says so with alerts.path; any other
-- UPDATE gets the current time.
-- The gateway describes its change with transaction-local settings (set_config(…, true)):
--   alerts.path             domain | legacy (absent: 'sql', a change made outside the gateway)
--   alerts.actor            who (the API token's name, else the body's created_by)
--   alerts.request_id       the X-Request-Id of the request
--   alerts.idempotency_key  the Idempotency-Key, unique across all changes
--   alerts.request_hash     a fingerprint of the request, to tell a replay from a reused key
-- A change made outside the gateway is attributed to the database user (session_user).
CREATE FUNCTION alert_rules_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('alerts.path', true), '') = '' THEN
    NEW.updated_at := now() AT TIME ZONE 'utc';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER alert_rules_touch BEFORE UPDATE ON alert_rules
  FOR EACH ROW EXECUTE FUNCTION alert_rules_touch();
--> statement-breakpoint
CREATE FUNCTION alert_rules_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  change_path text := coalesce(nullif(current_setting('alerts.path', true), ''), 'sql');
BEGIN
  INSERT INTO alert_rule_changes (rule_id, action, changed_by, changed_at, path, request_id,
    idempotency_key, request_hash, before, after)
  VALUES (
    NEW.id,
    CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END,
    CASE WHEN change_path = 'sql' THEN session_user::text
      ELSE nullif(current_setting('alerts.actor', true), '') END,
    coalesce(NEW.updated_at, now() AT TIME ZONE 'utc') AT TIME ZONE 'utc',
    change_path,
    nullif(current_setting('alerts.request_id', true), ''),
    nullif(current_setting('alerts.idempotency_key', true), ''),
    nullif(current_setting('alerts.request_hash', true), ''),
    CASE TG_OP WHEN 'UPDATE' THEN to_jsonb(OLD) END,
    to_jsonb(NEW));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alert_rules_audit AFTER INSERT OR UPDATE ON alert_rules
  FOR EACH ROW EXECUTE FUNCTION alert_rules_audit();
