package dev.herald.store;

import dev.herald.Delivery;
import java.time.Instant;
import java.util.Objects;

/**
 * One delivery under this instance's lease.
 *
 * @param delivery what to send
 * @param fencingToken the claim's token; a completion is applied only with the current one
 * @param enqueuedAt when the notification was enqueued, or when an operator last re-queued this
 *     delivery from the dead letters (store clock): where the retry policy's max age counts from
 */
public record ClaimedDelivery(Delivery delivery, long fencingToken, Instant enqueuedAt) {
  /** Validates. */
  public ClaimedDelivery {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(enqueuedAt, "enqueuedAt");
  }
}
