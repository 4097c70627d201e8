-- Herald outbox, schema version 3 (H2 in PostgreSQL mode): what the operator's views read.
-- due_at: when the notification was due (its notBefore, or the enqueue time), kept after expansion.
ALTER TABLE ${prefix}notification ADD COLUMN IF NOT EXISTS due_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX IF NOT EXISTS ${prefix}notification_recipient ON ${prefix}notification (recipient_id, id);
CREATE INDEX IF NOT EXISTS ${prefix}delivery_finished ON ${prefix}delivery (finished_at, channel, state);
