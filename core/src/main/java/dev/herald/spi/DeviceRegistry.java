package dev.herald.spi;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import java.util.List;
import java.util.Optional;

/**
 * The devices of each recipient, which notifications for a recipient id are expanded to when they
 * fall due. {@code herald-outbox-jdbc} implements it next to the outbox so that invalidation on a
 * "target gone" outcome happens in the same transaction as the outcome.
 *
 * <p>Implementations are thread-safe.
 */
public interface DeviceRegistry {

  /**
   * Registers a device for a recipient, or refreshes it: an upsert that updates last-seen and
   * revives an invalidated or stale device. A device registered under another recipient moves to
   * this one; it is never duplicated.
   */
  Device register(String recipientId, DeviceTarget target);

  /**
   * Registers {@code target} and retires {@code replaces} at once, so that an app instance moving
   * from a legacy FCM token to an installation id is never sent to twice.
   */
  Device register(String recipientId, DeviceTarget target, DeviceTarget replaces);

  /** Updates last-seen (the app's periodic refresh). Returns false when the device is unknown. */
  boolean touch(DeviceTarget target);

  /** Removes the device. Returns false when it was unknown. */
  boolean unregister(DeviceTarget target);

  /** Every device of a recipient, whatever its status. */
  List<Device> devices(String recipientId);

  /** The device with this channel and address, if known. */
  Optional<Device> find(DeviceTarget target);
}
