package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Counts of deliveries per channel, scope and state, with the age of the oldest delivery that is due
 * and not yet claimed: the number to alert on when dispatch falls behind (per scope, a paused push
 * service shows as one scope's growing age while the others stay low).
 *
 * @param at the database's clock when the figures were read
 * @param rows one row per channel and state present
 * @param awaitingExpansion recipient notifications not yet expanded into deliveries
 * @param oldestExpansionDue how long the oldest due one of those has waited, or {@link Duration#ZERO}
 */
public record OutboxStats(Instant at, List<Row> rows, long awaitingExpansion, Duration oldestExpansionDue) {

  /** Validates and copies. */
  public OutboxStats {
    Objects.requireNonNull(at, "at");
    rows = List.copyOf(rows);
    Objects.requireNonNull(oldestExpansionDue, "oldestExpansionDue");
  }

  /**
   * One scope (of one channel) and state.
   *
   * @param channel the channel
   * @param state the state
   * @param count deliveries in it
   * @param oldestDueAge for {@link DeliveryState#PENDING}: how long the longest-waiting due delivery
   *     has been due; {@link Duration#ZERO} when none is due and for other states
   * @param scope the scope; the channel's one scope for deliveries created before scopes were recorded
   */
  public record Row(Channel channel, DeliveryState state, long count, Duration oldestDueAge, Scope scope) {
    /** Validates; a null scope is the channel's one scope. */
    public Row {
      Objects.requireNonNull(channel, "channel");
      if (scope == null) {
        scope = Scope.of(channel);
      }
    }

    /** A row of the channel's one scope. */
    public Row(Channel channel, DeliveryState state, long count, Duration oldestDueAge) {
      this(channel, state, count, oldestDueAge, null);
    }
  }

  /** Deliveries of a scope in a state; 0 when none. */
  public long count(Scope scope, DeliveryState state) {
    return rows.stream().filter(r -> r.scope().equals(scope) && r.state() == state).mapToLong(Row::count).sum();
  }

  /** How long the oldest due, unclaimed delivery of a scope has waited; zero when none. */
  public Duration oldestDueAge(Scope scope) {
    return rows.stream().filter(r -> r.scope().equals(scope)).map(Row::oldestDueAge)
        .max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /** The scopes with any delivery, in channel and name order. */
  public List<Scope> scopes() {
    return rows.stream().map(Row::scope).distinct().sorted().toList();
  }

  /** Deliveries of a channel in a state; 0 when none. */
  public long count(Channel channel, DeliveryState state) {
    return rows.stream().filter(r -> r.channel().equals(channel) && r.state() == state).mapToLong(Row::count).sum();
  }

  /** Deliveries in a state over every channel. */
  public long count(DeliveryState state) {
    return rows.stream().filter(r -> r.state() == state).mapToLong(Row::count).sum();
  }

  /** How long the oldest due, unclaimed delivery of a channel has waited; zero when none. */
  public Duration oldestDueAge(Channel channel) {
    return rows.stream().filter(r -> r.channel().equals(channel)).map(Row::oldestDueAge)
        .max(Duration::compareTo).orElse(Duration.ZERO);
  }
}
