package dev.herald.spring.boot.actuate;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.outbox.jdbc.OutboxStats;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Herald's health: DOWN when the outbox's database cannot be reached; otherwise UP with, per channel,
 * whether it is paused (its sender failed: credentials, project), how long its oldest due delivery
 * has waited, and its pending and dead counts. A paused channel, or a due delivery that waited longer
 * than a limit, can be made to mean OUT_OF_SERVICE.
 *
 * <p>Reachability is checked on every call with a one-row query; the counts come from a scan of the
 * delivery table and are reused for {@code statsTimeToLive}. Thread-safe.
 */
public class HeraldHealthIndicator extends AbstractHealthIndicator {
  private final JdbcHerald herald;
  private final BooleanSupplier engineRunning;
  private final boolean outOfServiceWhenPaused;
  private final Duration maxOldestDueAge;
  private final Duration statsTimeToLive;
  private OutboxStats stats;
  private long statsReadAt;

  /**
   * A health indicator for {@code herald}.
   *
   * @param engineRunning whether this instance's engine runs (false where it is disabled or stopped)
   * @param outOfServiceWhenPaused report OUT_OF_SERVICE while a channel is paused
   * @param maxOldestDueAge report OUT_OF_SERVICE when a due delivery waited longer; null for never
   * @param statsTimeToLive how long the counts are reused
   */
  public HeraldHealthIndicator(JdbcHerald herald, BooleanSupplier engineRunning, boolean outOfServiceWhenPaused,
      Duration maxOldestDueAge, Duration statsTimeToLive) {
    super("Herald health check failed");
    this.herald = Objects.requireNonNull(herald, "herald");
    this.engineRunning = Objects.requireNonNull(engineRunning, "engineRunning");
    this.outOfServiceWhenPaused = outOfServiceWhenPaused;
    this.maxOldestDueAge = maxOldestDueAge;
    this.statsTimeToLive = Objects.requireNonNull(statsTimeToLive, "statsTimeToLive");
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    herald.admin().backlog(1); // throws when the database is unreachable: DOWN with the error
    OutboxStats s = stats();
    Set<Channel> channels = new TreeSet<>((a, b) -> a.name().compareTo(b.name()));
    channels.addAll(herald.channels());
    s.rows().forEach(r -> channels.add(r.channel()));

    boolean anyPaused = false;
    Duration oldest = s.oldestExpansionDue();
    Map<String, Object> perChannel = new TreeMap<>();
    for (Channel c : channels) {
      boolean paused = herald.channels().contains(c) && herald.paused(c);
      anyPaused |= paused;
      Duration age = s.oldestDueAge(c);
      if (age.compareTo(oldest) > 0) {
        oldest = age;
      }
      perChannel.put(c.name(), Map.of("paused", paused, "oldestDueAge", age.toString(),
          "pending", s.count(c, DeliveryState.PENDING), "dead", s.count(c, DeliveryState.DEAD)));
    }
    boolean tooOld = maxOldestDueAge != null && oldest.compareTo(maxOldestDueAge) > 0;
    if ((anyPaused && outOfServiceWhenPaused) || tooOld) {
      builder.outOfService();
    } else {
      builder.up();
    }
    builder.withDetail("instanceId", herald.instanceId())
        .withDetail("engine", engineRunning.getAsBoolean() ? "running" : "not running")
        .withDetail("database", herald.outbox().database().name())
        .withDetail("channels", perChannel)
        .withDetail("awaitingExpansion", s.awaitingExpansion())
        .withDetail("oldestDueAge", oldest.toString())
        .withDetail("countedAt", s.at().toString());
    if (tooOld) {
      builder.withDetail("reason", "a due delivery has waited " + oldest + ", longer than " + maxOldestDueAge);
    } else if (anyPaused && outOfServiceWhenPaused) {
      builder.withDetail("reason", "a channel is paused because its sender failed");
    }
  }

  private synchronized OutboxStats stats() {
    long now = System.nanoTime();
    if (stats == null || now - statsReadAt >= statsTimeToLive.toNanos()) {
      stats = herald.admin().stats();
      statsReadAt = now;
    }
    return stats;
  }
}
