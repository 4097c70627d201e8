package dev.herald.store;

import dev.herald.Channel;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine asks of {@link OutboxStore#claim}: up to so many due deliveries per channel, leased
 * to this owner for this long.
 *
 * @param owner the claiming instance's id, recorded as the lease owner
 * @param lease how long the claim holds before another instance may take the delivery over
 * @param limits the most deliveries to claim per channel; channels absent or at 0 are not claimed
 */
public record ClaimRequest(String owner, Duration lease, Map<Channel, Integer> limits) {
  /** Validates and copies. */
  public ClaimRequest {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(lease, "lease");
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be > 0: " + lease);
    }
    limits = Map.copyOf(limits);
    limits.forEach((c, n) -> {
      if (n < 0) {
        throw new IllegalArgumentException("limit must be >= 0: " + c + "=" + n);
      }
    });
  }

  /** The sum of the limits. */
  public int total() {
    return limits.values().stream().mapToInt(Integer::intValue).sum();
  }
}
