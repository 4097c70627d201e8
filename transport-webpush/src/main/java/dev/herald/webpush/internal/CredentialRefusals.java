package dev.herald.webpush.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells a 401/403 that concerns one subscription from one that concerns our VAPID credentials.
 *
 * <p>A push service answers 401/403 both when it refuses our VAPID token (every subscription at
 * that origin made with that key pair fails: pause that scope, burn nothing) and when a subscription was made with another
 * application server key, as happens to old subscriptions after a key rotation (only that one
 * fails, for good). Pausing the scope for the second kind would stall every browser of that push
 * service for the sake of one. The rule: a refusal concerns the subscription alone when the same
 * subscription was refused before <em>and</em> the same scope (push service and key pair: an
 * acceptance proves one key at one push service, nothing about another key) has since accepted a
 * request that we <em>sent</em> after that earlier refusal came back. The first refusal of a subscription is always
 * taken as a credential failure, so a real credential failure never burns a message, whatever
 * succeeded just before it; and counting acceptances by when their request was sent keeps a request
 * sent before the credentials broke, but answered after, from passing for proof that they work.
 *
 * <p>Events are ordered by a counter, not a clock, so two events in the same millisecond still
 * have an order. Thread-safe. Remembers at most {@link #MAX_REMEMBERED} refused subscriptions (the
 * least recently refused are forgotten, which only costs one more pause for them).
 */
public final class CredentialRefusals {
  /** How many refused subscriptions are remembered. */
  public static final int MAX_REMEMBERED = 4_096;

  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, Long> lastAccepted = new ConcurrentHashMap<>();
  private final Map<String, Long> lastRefused = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  /** A ticket to take just before sending a request, for {@link #accepted}. */
  public long sending() {
    return sequence.incrementAndGet();
  }

  /**
   * Records that the push service accepted a request sent with {@code ticket} in {@code scope} (its
   * origin and the key pair that signed it).
   */
  public void accepted(String scope, long ticket) {
    lastAccepted.merge(scope, ticket, Math::max);
  }

  /**
   * Records a 401/403 for the subscription at {@code endpoint}, in {@code scope} (its push
   * service's origin and the key pair that signed the request).
   *
   * @return true when it concerns this subscription alone (refused before, and the scope accepted a
   *     request sent after that); false when it must be taken as a credential failure
   */
  public boolean refusedThisSubscriptionOnly(String scope, String endpoint) {
    long now = sequence.incrementAndGet();
    Long previous;
    synchronized (lastRefused) {
      previous = lastRefused.put(endpoint, now);
    }
    Long accepted = lastAccepted.get(scope);
    return previous != null && accepted != null && accepted > previous;
  }

  /** How many refused subscriptions are remembered now. */
  public int remembered() {
    synchronized (lastRefused) {
      return lastRefused.size();
    }
  }
}
