-- Herald outbox, schema version 4 (H2 in PostgreSQL mode): scopes (a push service and the credential
-- used with it). delivery.scope is written when the delivery is created ('' for the channel's one
-- scope and for rows created before this version); device.scope at registration (NULL before this
-- version, filled in by the first expansion that meets the device).
ALTER TABLE ${prefix}delivery ADD COLUMN IF NOT EXISTS scope VARCHAR(320) DEFAULT '' NOT NULL;
ALTER TABLE ${prefix}device ADD COLUMN IF NOT EXISTS scope VARCHAR(320);
CREATE INDEX IF NOT EXISTS ${prefix}delivery_scope_claim ON ${prefix}delivery (channel, scope, next_at);
