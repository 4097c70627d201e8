/**
 * Test-scope tools for hosts and for Herald's own modules: {@link dev.herald.testing.InMemoryOutboxStore},
 * the {@link dev.herald.testing.OutboxStoreContract} every store passes, a settable
 * {@link dev.herald.testing.MutableClock}, a {@link dev.herald.testing.ScriptedTransport} and a
 * {@link dev.herald.testing.RecordingListener}. Not for production: nothing here survives a restart.
 */
package dev.herald.testing;
