package dev.herald.store;

import java.util.Objects;

/**
 * The engine's decision for one claimed delivery, fenced by the claim's token.
 *
 * @param deliveryId the delivery
 * @param fencingToken the token of the claim this completes
 * @param resolution what to record
 */
public record Completion(long deliveryId, long fencingToken, Resolution resolution) {
  /** Validates. */
  public Completion {
    Objects.requireNonNull(resolution, "resolution");
  }
}
