/**
 * What hosts and third parties implement or plug in: {@link dev.herald.spi.Transport} (with its
 * {@link dev.herald.spi.SendDeadline}), {@link dev.herald.spi.DeliveryGuard},
 * {@link dev.herald.spi.DeliveryListener}, and the {@link dev.herald.spi.DeviceRegistry} and
 * {@link dev.herald.spi.InputValidator} a store offers. Everything is registered explicitly on
 * builders; nothing is discovered from the class path. A store's own contract with the engine is in
 * {@code dev.herald.store}.
 */
package dev.herald.spi;
