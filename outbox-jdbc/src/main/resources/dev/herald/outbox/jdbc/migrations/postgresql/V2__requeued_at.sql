-- Herald outbox, schema version 2.
-- When an operator last re-queued a dead delivery (OutboxAdmin.requeue); NULL if never. The retry
-- policy's max age counts from it instead of from the enqueue, so a re-queued dead letter gets the
-- whole age budget, as it gets a fresh attempt budget.
ALTER TABLE ${prefix}delivery ADD COLUMN IF NOT EXISTS requeued_at TIMESTAMP WITH TIME ZONE;
