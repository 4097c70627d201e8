/**
 * Test-scope tools for hosts and for Herald's own modules: {@link dev.herald.testing.InMemoryOutboxStore},
 * the {@link dev.herald.testing.OutboxStoreContract} every store passes, a settable
 * {@link dev.herald.testing.MutableClock}, a {@link dev.herald.testing.ScriptedTransport} and a
 * {@link dev.herald.testing.RecordingListener}; the {@link dev.herald.testing.Reply} the fake push
 * services of {@code dev.herald.testing.fcm} and {@code dev.herald.testing.webpush} are scripted with.
 * Not for production: nothing here survives a restart.
 */
package dev.herald.testing;
