package dev.herald.spi;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import java.util.concurrent.CompletionStage;

/**
 * Sends deliveries of one channel to its push service. Herald ships Web Push and FCM transports; a
 * third party implements this for APNs, SMS, e-mail or anything else and registers it on
 * {@link dev.herald.Herald.Builder#transport(Transport)}.
 *
 * <p>Implementations must be thread-safe: the engine calls {@link #send} from several threads with
 * up to the configured number of sends in flight per channel. They should not block for long in
 * {@code send}; the network part belongs in the returned stage.
 */
public interface Transport extends AutoCloseable {

  /** The channel this transport serves; one transport per channel. */
  Channel channel();

  /**
   * Sends one delivery. The stage completes with exactly one {@link Outcome}; a stage that completes
   * exceptionally, or a {@code send} that throws, is treated as {@link Outcome.Retry}.
   */
  CompletionStage<Outcome> send(Delivery delivery);

  /**
   * Checks a target before it is stored or sent (an endpoint policy, say); throws
   * {@link dev.herald.InvalidInputException} naming the field. The default accepts every target of
   * this channel.
   */
  default void validate(DeviceTarget target) {}

  /**
   * Checks that this transport could send the notification's content and options (payload size
   * limits, reserved data keys) before it is stored; throws {@link dev.herald.InvalidInputException}
   * naming the field. The default accepts everything.
   */
  default void validate(dev.herald.Notification notification) {}

  /** Releases connections and threads. Idempotent. The default does nothing. */
  @Override
  default void close() {}
}
