package dev.herald.micrometer;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.spi.DeliveryListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Publishes Herald's delivery events to Micrometer. Register it on {@code Herald.builder().listener(..)}.
 *
 * <ul>
 *   <li>{@code herald.deliveries} (counter; tags {@code channel}, {@code result}: delivered, retry,
 *       dead, cancelled, expired, target_gone, released, stale)
 *   <li>{@code herald.send} (timer; tags {@code channel}, {@code outcome}: the transport's outcome
 *       type) — how long push services take to answer
 *   <li>{@code herald.channel.paused} (counter; tags {@code channel}, {@code scope}) — times a scope
 *       (one push service and credential, see {@link Scope}) was paused
 *   <li>{@code herald.scope.paused} (gauge; tags {@code channel}, {@code scope}) — 1 while the scope
 *       is paused, 0 once it sends again: which push service is holding deliveries back
 *   <li>{@code herald.lease} (counter; tags {@code channel}, {@code event}: send_not_started,
 *       outcome_after_lease_expiry) — a claim and its send drifting apart; zero when healthy
 *   <li>{@code herald.in_flight} (gauge) — deliveries claimed by this instance and not yet finished
 *   <li>{@code herald.scope.in_flight} (gauge; tags {@code channel}, {@code scope}) — the same per
 *       scope: a slow push service shows as its scope holding its bound
 *   <li>{@code herald.backlog} (gauge, optional) — whatever {@link Builder#backlog} reports, for
 *       example the outbox's count of due deliveries
 * </ul>
 *
 * <p>The {@code scope} tag is the scope's name ({@code https://web.push.apple.com#2026},
 * {@code staff/ios}), or {@value #WHOLE_CHANNEL} for the one scope of a transport that knows nothing
 * of scopes. Scopes are few (push services times credentials), so the tag stays cheap.
 *
 * <p>Thread-safe; every method is cheap and never throws.
 *
 * <pre>{@code
 * Herald.builder()...listener(MicrometerDeliveryListener.builder(registry).backlog(() -> outbox.dueCount()).build())
 * }</pre>
 */
public final class MicrometerDeliveryListener implements DeliveryListener {
  /** The {@code scope} tag of a channel's one scope, which has no name. */
  public static final String WHOLE_CHANNEL = "*";

  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<Scope, AtomicInteger> inFlightByScope = new ConcurrentHashMap<>();
  private final Map<Scope, AtomicInteger> pausedByScope = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  private MicrometerDeliveryListener(Builder b) {
    this.registry = b.registry;
    Gauge.builder("herald.in_flight", inFlight, AtomicInteger::get)
        .description("deliveries claimed by this instance and not yet finished").register(registry);
    if (b.backlog != null) {
      Supplier<? extends Number> backlog = b.backlog;
      Gauge.builder("herald.backlog", () -> {
        try {
          Number n = backlog.get();
          return n == null ? Double.NaN : n;
        } catch (RuntimeException e) {
          return Double.NaN; // a failing database must not break the metrics scrape
        }
      }).description("deliveries waiting in the outbox").register(registry);
    }
  }

  /** A builder for a listener on this registry. */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /** A listener on this registry without a backlog gauge. */
  public static MicrometerDeliveryListener of(MeterRegistry registry) {
    return builder(registry).build();
  }

  private void count(Channel channel, String result) {
    counters.computeIfAbsent(channel.name() + "|" + result, k -> Counter.builder("herald.deliveries")
        .tag("channel", channel.name()).tag("result", result)
        .description("finished deliveries by result").register(registry)).increment();
  }

  private void finished(Delivery d, String result) {
    inFlight.decrementAndGet();
    scopeGauge(inFlightByScope, "herald.scope.in_flight", "deliveries of a scope claimed by this instance and not yet finished",
        d.scope()).decrementAndGet();
    count(d.channel(), result);
  }

  private static String tag(Scope s) {
    return s.wholeChannel() ? WHOLE_CHANNEL : s.name();
  }

  /** The value behind a per-scope gauge, registered the first time the scope is seen. */
  private AtomicInteger scopeGauge(Map<Scope, AtomicInteger> values, String name, String description, Scope s) {
    return values.computeIfAbsent(s, k -> {
      AtomicInteger v = new AtomicInteger();
      Gauge.builder(name, v, AtomicInteger::get).tag("channel", k.channel().name()).tag("scope", tag(k))
          .description(description).register(registry);
      return v;
    });
  }

  @Override
  public void claimed(Delivery d) {
    inFlight.incrementAndGet();
    scopeGauge(inFlightByScope, "herald.scope.in_flight", "deliveries of a scope claimed by this instance and not yet finished",
        d.scope()).incrementAndGet();
  }

  @Override
  public void sendCompleted(Delivery d, Outcome outcome, Duration elapsed) {
    String kind = outcome.getClass().getSimpleName();
    timers.computeIfAbsent(d.channel().name() + "|" + kind, k -> Timer.builder("herald.send")
        .tag("channel", d.channel().name()).tag("outcome", kind)
        .description("time for the push service to answer").register(registry)).record(elapsed);
  }

  @Override
  public void delivered(Delivery d, Outcome.Delivered o) {
    finished(d, "delivered");
  }

  @Override
  public void retryScheduled(Delivery d, Outcome cause, Duration delay) {
    finished(d, "retry");
  }

  @Override
  public void dead(Delivery d, Outcome cause) {
    finished(d, "dead");
  }

  @Override
  public void cancelled(Delivery d, String reason) {
    finished(d, "cancelled");
  }

  @Override
  public void expired(Delivery d) {
    finished(d, "expired");
  }

  @Override
  public void targetInvalidated(Delivery d, Outcome.TargetGone cause) {
    finished(d, "target_gone");
  }

  @Override
  public void released(Delivery d, String why) {
    finished(d, "released");
  }

  @Override
  public void staleCompletionDiscarded(Delivery d, Outcome o) {
    finished(d, "stale");
  }

  @Override
  public void sendNotStarted(Delivery d, String reason) {
    leaseEvent(d, "send_not_started");
  }

  @Override
  public void outcomeAfterLeaseExpiry(Delivery d, Outcome o, Duration overdue) {
    leaseEvent(d, "outcome_after_lease_expiry");
  }

  private void leaseEvent(Delivery d, String event) {
    String channel = d.channel().name();
    counters.computeIfAbsent(channel + "|lease|" + event, k -> Counter.builder("herald.lease")
        .tag("channel", channel).tag("event", event)
        .description("sends not started because their claim's lease would end first, and outcomes that arrived after it")
        .register(registry)).increment();
  }

  @Override
  public void scopePaused(Scope s, Outcome cause, Duration pausedFor) {
    counters.computeIfAbsent(s.channel().name() + "|paused|" + s.name(), k -> Counter.builder("herald.channel.paused")
        .tag("channel", s.channel().name()).tag("scope", tag(s))
        .description("times a scope of a channel was paused").register(registry)).increment();
    scopeGauge(pausedByScope, "herald.scope.paused", "1 while the scope is paused", s).set(1);
  }

  @Override
  public void scopeResumed(Scope s) {
    scopeGauge(pausedByScope, "herald.scope.paused", "1 while the scope is paused", s).set(0);
  }

  /** Configures a {@link MicrometerDeliveryListener}. */
  public static final class Builder {
    private final MeterRegistry registry;
    private Supplier<? extends Number> backlog;

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Reports the outbox backlog as the {@code herald.backlog} gauge; default none. Called at scrape time. */
    public Builder backlog(Supplier<? extends Number> backlog) {
      this.backlog = Objects.requireNonNull(backlog, "backlog");
      return this;
    }

    /** Registers the meters and returns the listener. */
    public MicrometerDeliveryListener build() {
      return new MicrometerDeliveryListener(this);
    }
  }
}
