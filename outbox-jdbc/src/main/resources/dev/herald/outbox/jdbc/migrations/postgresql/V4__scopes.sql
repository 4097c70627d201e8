-- Herald outbox, schema version 4: scopes (a push service and the credential used with it).
-- delivery.scope: the scope's name within the channel ('' for the channel's one scope), written when
-- the delivery is created (from its device's scope, or the explicit target's) and never changed. Rows
-- created before this version keep ''; the engine names their scope from the target when it claims them.
ALTER TABLE ${prefix}delivery ADD COLUMN IF NOT EXISTS scope VARCHAR(320) DEFAULT '' NOT NULL;
-- device.scope: the scope its deliveries get, written at registration; NULL for devices registered
-- before this version, filled in by the first expansion that meets them.
ALTER TABLE ${prefix}device ADD COLUMN IF NOT EXISTS scope VARCHAR(320);
-- The claim of a channel while some of its scopes are held back (paused, or holding their share): a
-- skip scan over the channel's scopes, then each wanted scope in due order, so that a paused scope's
-- backlog is jumped over instead of read. Open rows only, like the claim index.
CREATE INDEX IF NOT EXISTS ${prefix}delivery_scope_claim ON ${prefix}delivery (channel, scope, next_at)
  WHERE next_at IS NOT NULL;
