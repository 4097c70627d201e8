package dev.herald.internal;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.Transport;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A registry that asks the channel's transport to validate a target (the Web Push endpoint policy,
 * say) before storing it, so that a subscription the transport would refuse to send to is never
 * registered.
 */
public final class ValidatingDeviceRegistry implements DeviceRegistry {
  private final DeviceRegistry delegate;
  private final Map<dev.herald.Channel, Transport> transports;

  /** Wraps {@code delegate}, validating with these transports. */
  public ValidatingDeviceRegistry(DeviceRegistry delegate, Map<dev.herald.Channel, Transport> transports) {
    this.delegate = delegate;
    this.transports = Map.copyOf(transports);
  }

  private void check(DeviceTarget target) {
    Transport t = transports.get(target.channel());
    if (t == null) {
      throw new InvalidInputException("device target", List.of(new InvalidInputException.Problem("channel",
          "has no transport registered on this Herald: " + target.channel())));
    }
    t.validate(target);
  }

  @Override
  public Device register(String recipientId, DeviceTarget target) {
    check(target);
    return delegate.register(recipientId, target);
  }

  @Override
  public Device register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    check(target);
    return delegate.register(recipientId, target, replaces);
  }

  @Override
  public boolean touch(DeviceTarget target) {
    return delegate.touch(target);
  }

  @Override
  public boolean unregister(DeviceTarget target) {
    return delegate.unregister(target);
  }

  @Override
  public List<Device> devices(String recipientId) {
    return delegate.devices(recipientId);
  }

  @Override
  public Optional<Device> find(DeviceTarget target) {
    return delegate.find(target);
  }
}
