-- Herald outbox, schema version 3: what the operator's views (the console) read.
-- due_at: when the notification was due (its notBefore, or the enqueue time), kept after expansion,
-- which clears next_at. NULL for notifications enqueued before this version.
ALTER TABLE ${prefix}notification ADD COLUMN IF NOT EXISTS due_at TIMESTAMP WITH TIME ZONE;
-- A recipient's notifications, newest first (the recipient timeline, dead letters by recipient):
-- without it each lookup scans the whole notification table.
CREATE INDEX IF NOT EXISTS ${prefix}notification_recipient ON ${prefix}notification (recipient_id, id)
  WHERE recipient_id IS NOT NULL;
-- Deliveries finished in a recent window per channel and state (the overview's last hour and its
-- per-minute throughput), answered from the index alone; open rows (finished_at NULL) stay out.
CREATE INDEX IF NOT EXISTS ${prefix}delivery_finished ON ${prefix}delivery (finished_at, channel, state)
  WHERE finished_at IS NOT NULL;
