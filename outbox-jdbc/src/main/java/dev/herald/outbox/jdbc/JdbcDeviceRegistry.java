package dev.herald.outbox.jdbc;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.spi.DeviceRegistry;
import java.sql.Connection;
import org.jdbi.v3.core.Handle;

/**
 * The device registry of a JDBC outbox ({@link JdbcHerald#devices()}): every change either in a
 * transaction of its own (the {@link DeviceRegistry} methods) or in the host's, on its
 * {@link Connection} or jdbi {@link Handle}, so that registering a device can commit or roll back
 * with the host's own change (a user signing in, an account moving). Herald never commits, rolls back
 * or closes a caller's connection. Every target is checked against its channel's transport before
 * anything is written ({@link dev.herald.InvalidInputException} naming the field).
 */
public interface JdbcDeviceRegistry extends DeviceRegistry {

  /** {@link DeviceRegistry#register(String, DeviceTarget)} in the caller's transaction. */
  Device register(Connection connection, String recipientId, DeviceTarget target);

  /** {@link DeviceRegistry#register(String, DeviceTarget, DeviceTarget)} in the caller's transaction. */
  Device register(Connection connection, String recipientId, DeviceTarget target, DeviceTarget replaces);

  /** {@link DeviceRegistry#register(String, DeviceTarget)} in the transaction of a jdbi handle. */
  Device register(Handle handle, String recipientId, DeviceTarget target);

  /** {@link DeviceRegistry#register(String, DeviceTarget, DeviceTarget)} in the transaction of a jdbi handle. */
  Device register(Handle handle, String recipientId, DeviceTarget target, DeviceTarget replaces);

  /** {@link DeviceRegistry#touch(DeviceTarget)} in the caller's transaction. */
  boolean touch(Connection connection, DeviceTarget target);

  /** {@link DeviceRegistry#touch(DeviceTarget)} in the transaction of a jdbi handle. */
  boolean touch(Handle handle, DeviceTarget target);

  /** {@link DeviceRegistry#unregister(DeviceTarget)} in the caller's transaction. */
  boolean unregister(Connection connection, DeviceTarget target);

  /** {@link DeviceRegistry#unregister(DeviceTarget)} in the transaction of a jdbi handle. */
  boolean unregister(Handle handle, DeviceTarget target);
}
