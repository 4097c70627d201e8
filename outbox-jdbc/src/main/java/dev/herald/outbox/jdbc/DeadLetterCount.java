package dev.herald.outbox.jdbc;

import java.time.Instant;
import java.util.Objects;

/**
 * How many dead letters match a query, counted up to its limit ({@link OutboxAdmin#countDeadLetters}).
 *
 * @param count matching dead letters, at most the query's limit
 * @param capped true when the count stopped at the limit (there may be more)
 * @param at the database's clock when counted: a re-queue of "what was counted" passes it as
 *     {@code diedBefore}, so that letters dying after the count are left alone
 */
public record DeadLetterCount(int count, boolean capped, Instant at) {

  /** Validates. */
  public DeadLetterCount {
    Objects.requireNonNull(at, "at");
  }
}
