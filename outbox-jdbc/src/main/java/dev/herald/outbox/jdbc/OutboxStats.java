package dev.herald.outbox.jdbc;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Counts of deliveries per channel and state, with the age of the oldest delivery that is due and
 * not yet claimed: the number to alert on when dispatch falls behind.
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
   * One channel and state.
   *
   * @param channel the channel
   * @param state the state
   * @param count deliveries in it
   * @param oldestDueAge for {@link DeliveryState#PENDING}: how long the longest-waiting due delivery
   *     has been due; {@link Duration#ZERO} when none is due and for other states
   */
  public record Row(Channel channel, DeliveryState state, long count, Duration oldestDueAge) {}

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
