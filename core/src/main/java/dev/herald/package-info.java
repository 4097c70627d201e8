/**
 * Herald's public API: the notification model, the delivery outcome type, the retry policy and the
 * {@link dev.herald.Herald} engine that moves notifications from an outbox to push services.
 *
 * <p>A host enqueues a {@link dev.herald.Notification} through an {@link dev.herald.store.OutboxStore}
 * (ideally inside its own database transaction); a running {@link dev.herald.Herald} claims due
 * deliveries, asks the host's {@link dev.herald.spi.DeliveryGuard}, sends through the channel's
 * {@link dev.herald.spi.Transport} and records the {@link dev.herald.Outcome}.
 */
package dev.herald;
