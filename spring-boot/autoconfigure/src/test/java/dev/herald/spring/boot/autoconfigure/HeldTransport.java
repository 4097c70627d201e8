package dev.herald.spring.boot.autoconfigure;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.spi.Transport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A transport of the FCM channel whose sends stay in flight until released (a push service that
 * takes its time), or are answered at once when not holding. Counts sends per notification key.
 */
final class HeldTransport implements Transport {
  private final boolean hold;
  private final List<CompletableFuture<Outcome>> held = new CopyOnWriteArrayList<>();
  final Map<String, Integer> sendsPerKey = new ConcurrentHashMap<>();
  final AtomicBoolean closed = new AtomicBoolean();

  HeldTransport(boolean hold) {
    this.hold = hold;
  }

  @Override
  public Channel channel() {
    return Channel.FCM;
  }

  @Override
  public CompletionStage<Outcome> send(Delivery d) {
    sendsPerKey.merge(d.notificationKey(), 1, Integer::sum);
    if (!hold) {
      return CompletableFuture.completedFuture(Outcome.delivered("ok-" + d.deliveryId()));
    }
    CompletableFuture<Outcome> f = new CompletableFuture<>();
    held.add(f);
    return f;
  }

  /** Sends waiting for an answer. */
  int inFlight() {
    return (int) held.stream().filter(f -> !f.isDone()).count();
  }

  /** Answers every held send "delivered". */
  void releaseAll() {
    held.forEach(f -> f.complete(Outcome.delivered("late")));
  }

  int sends() {
    return sendsPerKey.values().stream().mapToInt(Integer::intValue).sum();
  }

  @Override
  public void close() {
    closed.set(true);
  }
}
