package dev.herald.store;

import dev.herald.Channel;
import dev.herald.Scope;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine asks of {@link OutboxStore#claim}: up to so many due deliveries per channel, and
 * per listed scope at most its own limit, leased to this owner for this long.
 *
 * <p>A scope the engine holds back (paused after a sender failure, or holding as many deliveries as
 * it may) is listed with a limit below its channel's, 0 for none: the store leases no row of a scope
 * listed at 0, and claims the other scopes of the channel as if that scope's rows were not there.
 * Scopes not listed are bounded by their channel's limit alone.
 *
 * @param owner the claiming instance's id, recorded as the lease owner
 * @param lease how long the claim holds before another instance may take the delivery over
 * @param limits the most deliveries to claim per channel; channels absent or at 0 are not claimed
 * @param scopeLimits the most deliveries to claim of each listed scope, within its channel's limit
 */
public record ClaimRequest(String owner, Duration lease, Map<Channel, Integer> limits, Map<Scope, Integer> scopeLimits) {
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
    scopeLimits = scopeLimits == null ? Map.of() : Map.copyOf(scopeLimits);
    scopeLimits.forEach((s, n) -> {
      if (n < 0) {
        throw new IllegalArgumentException("scope limit must be >= 0: " + s + "=" + n);
      }
    });
  }

  /** A request without scope limits: every scope of a channel is bounded by the channel's limit alone. */
  public ClaimRequest(String owner, Duration lease, Map<Channel, Integer> limits) {
    this(owner, lease, limits, Map.of());
  }

  /** The sum of the limits. */
  public int total() {
    return limits.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The most deliveries of this scope the claim may return: its own limit, within its channel's. */
  public int limit(Scope scope) {
    int channel = limits.getOrDefault(scope.channel(), 0);
    Integer own = scopeLimits.get(scope);
    return own == null ? channel : Math.min(own, channel);
  }

  /** The listed scopes of one channel with their limits (empty when none of its scopes is held back). */
  public Map<Scope, Integer> scopeLimits(Channel channel) {
    java.util.TreeMap<Scope, Integer> out = new java.util.TreeMap<>();
    scopeLimits.forEach((s, n) -> {
      if (s.channel().equals(channel)) {
        out.put(s, n);
      }
    });
    return out;
  }
}
