package dev.herald.outbox.jdbc.testing;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.spi.Transport;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * A no-op transport that counts sends per delivery id and answers at once (or as {@code answer} says).
 * Thread-safe; several engines may share one to count sends across instances.
 */
public final class CountingTransport implements Transport {
  private final Channel channel;
  private final Map<Long, AtomicInteger> sends;
  private final LongAdder total = new LongAdder();
  private volatile Function<Delivery, CompletionStage<Outcome>> answer =
      d -> CompletableFuture.completedFuture(new Outcome.Delivered(null));

  public CountingTransport(Channel channel) {
    this(channel, new ConcurrentHashMap<>());
  }

  /** A transport that counts into a map shared with other instances. */
  public CountingTransport(Channel channel, Map<Long, AtomicInteger> sharedCounts) {
    this.channel = channel;
    this.sends = sharedCounts;
  }

  /** Answers every later send with {@code f}. */
  public CountingTransport answering(Function<Delivery, CompletionStage<Outcome>> f) {
    this.answer = f;
    return this;
  }

  @Override
  public Channel channel() {
    return channel;
  }

  @Override
  public CompletionStage<Outcome> send(Delivery delivery) {
    sends.computeIfAbsent(delivery.deliveryId(), k -> new AtomicInteger()).incrementAndGet();
    total.increment();
    return answer.apply(delivery);
  }

  /** Sends per delivery id. */
  public Map<Long, AtomicInteger> sends() {
    return sends;
  }

  /** Sends by this instance. */
  public long total() {
    return total.sum();
  }
}
