package dev.herald.reliability.support;

import dev.herald.CollapseKeys;
import dev.herald.testing.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device side of the suite: every request the fake push services received, with its
 * idempotency key (read from the decrypted or parsed payload), what it carried, and what became of
 * it. A message the push service accepted reaches the device at once, or, for a device that is
 * offline, when it comes back if the push service kept it (by FCM's storage rule). A device shows one
 * notification per display tag (a later message with the same {@code tag} or
 * {@code apns-collapse-id} replaces the earlier one on screen), which is how
 * {@link #visibleNotifications(String)} counts what reached the devices.
 *
 * <p>In compact mode (long runs) only counters per key are kept, not every request. Thread-safe.
 */
public final class Ledger {

  /**
   * One request.
   *
   * @param receivedMillis when it arrived (epoch millis)
   * @param respondedMillis when the answer was decided (epoch millis)
   * @param service {@code webpush} or {@code fcm}
   * @param device the device address's short name
   * @param key the idempotency key carried in the payload
   * @param tag the display tag
   * @param reply what the service answered
   * @param retryAfterSeconds the Retry-After it sent, or null
   */
  public record Request(long receivedMillis, long respondedMillis, String service, String device, String key,
      String tag, Reply reply, Integer retryAfterSeconds) {}

  /**
   * What a request carried that decides what the device keeps and shows.
   *
   * @param displayTags every display tag field present (Web Push payload tag; FCM
   *     {@code android.notification.tag}, {@code apns-collapse-id}, {@code webpush.notification.tag})
   * @param serviceCollapseKeys every push-service collapse field (Web Push {@code Topic}; FCM
   *     {@code android.collapse_key}, {@code webpush.headers.Topic}), null where absent
   * @param id the notification id in the data ({@code herald_id})
   */
  public record Carried(List<String> displayTags, List<String> serviceCollapseKeys, String id) {}

  /** Per-key tallies. */
  private static final class Tally {
    final List<Request> requests = new ArrayList<>();
    final Set<String> visible = new HashSet<>();
    int count;
    int accepted;
    int reached;
  }

  private final boolean detailed;
  private final Map<String, Tally> byKey = new ConcurrentHashMap<>();
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong acceptedTotal = new AtomicLong();
  private final AtomicLong collapseMismatches = new AtomicLong();
  private final AtomicLong unreadable = new AtomicLong();
  private final AtomicLong rejectedAuth = new AtomicLong();
  private final AtomicLong acceptedUnanswered = new AtomicLong();
  private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
  private final Map<String, String> namedCollapseKeys = new ConcurrentHashMap<>();
  private final AtomicLong reached = new AtomicLong();

  /** A ledger keeping every request ({@code detailed}) or counters only. */
  public Ledger(boolean detailed) {
    this.detailed = detailed;
  }

  /** The attempt number the next request for {@code key} will have. */
  public int nextAttempt(String key) {
    Tally t = byKey.get(key);
    if (t == null) {
      return 1;
    }
    synchronized (t) {
      return t.count + 1;
    }
  }

  /** Tells the ledger that the notification of {@code idempotencyKey} names a collapse key. */
  public void expectCollapseKey(String idempotencyKey, String collapseKey) {
    namedCollapseKeys.put(idempotencyKey, collapseKey);
  }

  /**
   * Records a request that carried a key. What it carried must match the key: the id derived from
   * it, every display tag equal to the host's collapse key or else to that id (or a repeat would
   * show twice), and a push-service collapse key only where the host named one (or an offline
   * device would lose messages).
   */
  public void record(Request r, Carried carried) {
    total.incrementAndGet();
    answers.computeIfAbsent(r.reply().toString(), k -> new AtomicLong()).incrementAndGet();
    if (r.reply().accepted() && (!r.reply().delay().isZero() || r.reply().cut() == Reply.Cut.MID_BODY)) {
      acceptedUnanswered.incrementAndGet();
    }
    String id = CollapseKeys.fromIdempotencyKey(r.key());
    String named = namedCollapseKeys.get(r.key());
    String expectedTag = named != null ? named : id;
    boolean consistent = id.equals(carried.id()) && !carried.displayTags().isEmpty()
        && carried.displayTags().stream().allMatch(expectedTag::equals)
        && carried.serviceCollapseKeys().stream().allMatch(k -> java.util.Objects.equals(k, named));
    if (!consistent) {
      collapseMismatches.incrementAndGet();
    }
    Tally t = byKey.computeIfAbsent(r.key(), k -> new Tally());
    synchronized (t) {
      t.count++;
      if (detailed) {
        t.requests.add(r);
      }
      if (r.reply().accepted()) {
        t.accepted++;
        acceptedTotal.incrementAndGet();
      }
    }
  }

  /**
   * Records that an accepted message of {@code key} reached {@code device} showing {@code tag}:
   * at once for an online device, on reconnection for an offline one whose push service kept it.
   */
  public void reachedDevice(String device, String key, String tag) {
    reached.incrementAndGet();
    Tally t = byKey.computeIfAbsent(key, k -> new Tally());
    synchronized (t) {
      t.reached++;
      // Replacement on screen is by display tag: what is visible is the set of distinct tags.
      t.visible.add(device + "|" + tag);
    }
  }

  /** How many requests met each answer, by herald-testing's description of it ({@code 503 Retry-After: 1}). */
  public Map<String, Long> answerCounts() {
    Map<String, Long> m = new java.util.TreeMap<>();
    answers.forEach((k, v) -> m.put(k, v.get()));
    return m;
  }

  /**
   * Requests the service took in although the client may not have learnt so (an answer held back,
   * slower than the timeout in these tests; a connection cut in the middle of a 2xx body): each may
   * lead to one more send.
   */
  public long acceptedUnanswered() {
    return acceptedUnanswered.get();
  }

  /** Counts a request the service could not attribute to a key (undecryptable, malformed). */
  public void unreadable() {
    unreadable.incrementAndGet();
  }

  /** Counts a request refused for the sender's credentials (VAPID 403, FCM 401). */
  public void rejectedAuth() {
    rejectedAuth.incrementAndGet();
  }

  /** Requests received that carried a key. */
  public long requests() {
    return total.get();
  }

  /** Requests accepted (taken in by the service, so shown on the device). */
  public long accepted() {
    return acceptedTotal.get();
  }

  /**
   * Requests whose id, display tags or push-service collapse keys are not what their key's
   * notification should carry (see {@link #record}).
   */
  public long collapseMismatches() {
    return collapseMismatches.get();
  }

  /** Requests that could not be read (decryption or parse failure). */
  public long unreadableRequests() {
    return unreadable.get();
  }

  /** Requests refused for the sender's credentials. */
  public long authRejections() {
    return rejectedAuth.get();
  }

  /** Requests that carried this key. */
  public int requests(String key) {
    Tally t = byKey.get(key);
    if (t == null) {
      return 0;
    }
    synchronized (t) {
      return t.count;
    }
  }

  /** Accepted requests of this key. */
  public int accepted(String key) {
    Tally t = byKey.get(key);
    if (t == null) {
      return 0;
    }
    synchronized (t) {
      return t.accepted;
    }
  }

  /** Messages that reached a device (all keys). */
  public long reachedDevices() {
    return reached.get();
  }

  /** Messages of this key that reached a device, repeats included. */
  public int reached(String key) {
    Tally t = byKey.get(key);
    if (t == null) {
      return 0;
    }
    synchronized (t) {
      return t.reached;
    }
  }

  /** Notifications of this key a user sees: distinct (device, display tag) pairs among the messages that reached a device. */
  public int visibleNotifications(String key) {
    Tally t = byKey.get(key);
    if (t == null) {
      return 0;
    }
    synchronized (t) {
      return t.visible.size();
    }
  }

  /** Keys with at least one accepted request. */
  public Set<String> acceptedKeys() {
    Set<String> s = new HashSet<>();
    byKey.forEach((k, t) -> {
      synchronized (t) {
        if (t.accepted > 0) {
          s.add(k);
        }
      }
    });
    return s;
  }

  /** Sends beyond the first accepted one, summed over keys: what a user would see twice without display tags. */
  public long duplicatesBeyondOne() {
    long d = 0;
    for (Tally t : byKey.values()) {
      synchronized (t) {
        d += Math.max(0, t.accepted - 1);
      }
    }
    return d;
  }

  /** Keys whose user sees other than exactly one notification, given the accepted requests. */
  public long keysNotVisibleExactlyOnce(Set<String> keys) {
    return keys.stream().filter(k -> visibleNotifications(k) != 1).count();
  }

  /** The requests of one key in arrival order (detailed mode only). */
  public List<Request> history(String key) {
    Tally t = byKey.get(key);
    if (t == null) {
      return List.of();
    }
    synchronized (t) {
      return List.copyOf(t.requests);
    }
  }

  /**
   * Checks that no request came before the Retry-After of the previous answer for its key.
   *
   * @return the violations (empty when none) and the smallest margin seen, in a result
   */
  public RetryAfterCheck retryAfterCheck() {
    if (!detailed) {
      throw new IllegalStateException("retryAfterCheck needs a detailed ledger");
    }
    List<String> early = new ArrayList<>();
    long minMargin = Long.MAX_VALUE;
    long checked = 0;
    for (Map.Entry<String, Tally> e : byKey.entrySet()) {
      List<Request> rs = history(e.getKey());
      for (int i = 1; i < rs.size(); i++) {
        Request prev = rs.get(i - 1);
        if (prev.retryAfterSeconds() == null) {
          continue;
        }
        checked++;
        long notBefore = prev.respondedMillis() + prev.retryAfterSeconds() * 1000L;
        long margin = rs.get(i).receivedMillis() - notBefore;
        minMargin = Math.min(minMargin, margin);
        if (margin < 0) {
          early.add(e.getKey() + ": request " + (i + 1) + " came " + (-margin) + " ms before Retry-After "
              + prev.retryAfterSeconds() + " s had passed");
        }
      }
    }
    return new RetryAfterCheck(checked, early, checked == 0 ? Duration.ZERO : Duration.ofMillis(minMargin));
  }

  /**
   * @param checked requests that followed an answer with Retry-After
   * @param early those that came too early, described
   * @param minMargin the smallest time beyond Retry-After any of them waited
   */
  public record RetryAfterCheck(long checked, List<String> early, Duration minMargin) {}
}
