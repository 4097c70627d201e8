package dev.herald.testing;

import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.spi.DeliveryListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Records listener events as short strings, e.g. {@code "delivered schedule-1"}. Thread-safe. */
public final class RecordingListener implements DeliveryListener {
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  /** Every event so far, in order. */
  public List<String> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** The events of one kind ({@code delivered}, {@code retry}, {@code dead}, {@code cancelled}, {@code expired},
   * {@code invalidated}, {@code paused}, {@code resumed}, {@code stale}, {@code released}). */
  public List<String> events(String kind) {
    return events().stream().filter(e -> e.startsWith(kind + " ")).toList();
  }

  private void add(String kind, Delivery d) {
    events.add(kind + " " + d.notificationKey());
  }

  @Override
  public void delivered(Delivery d, Outcome.Delivered o) {
    add("delivered", d);
  }

  @Override
  public void retryScheduled(Delivery d, Outcome cause, Duration delay) {
    add("retry", d);
  }

  @Override
  public void dead(Delivery d, Outcome cause) {
    add("dead", d);
  }

  @Override
  public void cancelled(Delivery d, String reason) {
    add("cancelled", d);
  }

  @Override
  public void expired(Delivery d) {
    add("expired", d);
  }

  @Override
  public void targetInvalidated(Delivery d, Outcome.TargetGone cause) {
    add("invalidated", d);
  }

  /** Records {@code paused fcm} for a channel's one scope, {@code paused fcm[staff/ios]} for a named one. */
  @Override
  public void scopePaused(Scope s, Outcome cause, Duration pausedFor) {
    events.add("paused " + s);
  }

  @Override
  public void scopeResumed(Scope s) {
    events.add("resumed " + s);
  }

  @Override
  public void staleCompletionDiscarded(Delivery d, Outcome o) {
    add("stale", d);
  }

  @Override
  public void released(Delivery d, String why) {
    add("released", d);
  }
}
