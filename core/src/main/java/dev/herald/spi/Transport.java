package dev.herald.spi;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Sends deliveries of one channel to its push service. Herald ships Web Push and FCM transports; a
 * third party implements this for APNs, SMS, e-mail or anything else and registers it on
 * {@link dev.herald.Herald.Builder#transport(Transport)}.
 *
 * <p>Implementations must be thread-safe: the engine calls {@link #send} from several threads with
 * up to the configured number of sends in flight per channel. They should not block for long in
 * {@code send}; the network part belongs in the returned stage.
 *
 * <p><b>Leases.</b> Every claimed delivery is held under a lease; a send answered after the lease
 * ended may be a second send, because another instance may have claimed the delivery again. The
 * engine therefore never claims more of a channel than {@link #maxConcurrentSends()} (so nothing it
 * claims waits in a queue of the transport while the lease runs out) and hands each send its
 * {@link SendDeadline}: a transport that queues or retries internally checks it where the request
 * really leaves, allowing for {@link #sendTimeout()}, and answers {@link Outcome.NotSent} instead
 * of starting late. A transport that overrides neither still works; the engine then checks the
 * deadline only before calling {@link #send}.
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
   * Sends one delivery that must not start once {@code deadline} leaves less than
   * {@link #sendTimeout()}; see the class comment. The engine calls this one. The default ignores
   * the deadline and calls {@link #send(Delivery)}.
   */
  default CompletionStage<Outcome> send(Delivery delivery, SendDeadline deadline) {
    return send(delivery);
  }

  /**
   * The most sends this transport runs at once; more would wait in its own queue. The engine
   * claims no more than this per channel. Default {@link Integer#MAX_VALUE}: no limit of its own.
   */
  default int maxConcurrentSends() {
    return Integer.MAX_VALUE;
  }

  /**
   * The longest one send can take once it has started (a call timeout), or {@link Duration#ZERO}
   * when the transport does not bound it (the default). The engine starts a send only while at
   * least this much of the claim's deadline is left, and refuses a lease too short for it at build.
   */
  default Duration sendTimeout() {
    return Duration.ZERO;
  }

  /**
   * The scope of the deliveries to a target: the part of the channel whose sends succeed or fail
   * together (a push service and the credential used with it; see {@link dev.herald.Scope}). The
   * store records it with each delivery when the delivery is created; the engine pauses, probes,
   * counts "target gone" and bounds in-flight sends per scope. Called for targets this transport
   * accepted ({@link #validate(DeviceTarget)}); must be fast, thread-safe and not throw. The default
   * is the channel's one scope: a transport that knows nothing of scopes is paused as a whole.
   */
  default dev.herald.Scope scope(DeviceTarget target) {
    return dev.herald.Scope.of(channel());
  }

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
