package dev.herald.internal.engine;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.spi.DeviceRegistry;
import dev.herald.spi.InputValidator;
import java.util.List;
import java.util.Optional;

/**
 * A registry that asks the channel's transport to validate a target (the Web Push endpoint policy,
 * say) before storing it, so that a subscription the transport would refuse to send to is never
 * registered.
 */
public final class ValidatingDeviceRegistry implements DeviceRegistry {
  private final DeviceRegistry delegate;
  private final InputValidator validator;

  /** Wraps {@code delegate}, validating targets with {@code validator}. */
  public ValidatingDeviceRegistry(DeviceRegistry delegate, InputValidator validator) {
    this.delegate = delegate;
    this.validator = validator;
  }

  private void check(DeviceTarget target) {
    validator.validate(target);
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
