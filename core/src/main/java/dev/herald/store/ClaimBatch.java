package dev.herald.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The deliveries one claim returned, with the store's clock at the claim, so that expiry and age
 * are judged by the database's time and not the engine's.
 *
 * @param storeNow the store's clock when the claim ran
 * @param deliveries the claimed deliveries, each under lease
 */
public record ClaimBatch(Instant storeNow, List<ClaimedDelivery> deliveries) {
  /** Validates and copies. */
  public ClaimBatch {
    Objects.requireNonNull(storeNow, "storeNow");
    deliveries = List.copyOf(deliveries);
  }

  /** An empty batch. */
  public static ClaimBatch empty(Instant storeNow) {
    return new ClaimBatch(storeNow, List.of());
  }
}
