package dev.herald.testing.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What FCM keeps for a device while it is offline, by its documented rule ("Non-collapsible and
 * collapsible messages"): messages without a collapse key are each stored, up to 100, beyond which
 * all stored ones are discarded and the device is told so when it comes back; of collapsible
 * messages only the latest per collapse key is stored, for at most four different keys, and which
 * keys survive a fifth is not determined (here: a seeded random choice). Chrome's push service is
 * FCM, so a Web Push {@code Topic} is held to the same rule. Not thread-safe: the fakes synchronise.
 *
 * @param <M> the stored message
 */
public final class OfflineStore<M> {
  /** FCM's limit on stored non-collapsible messages per device. */
  public static final int MAX_NON_COLLAPSIBLE = 100;
  /** FCM's limit on different collapse keys stored per device. */
  public static final int MAX_COLLAPSE_KEYS = 4;

  private final List<M> nonCollapsible = new ArrayList<>();
  private final Map<String, M> byCollapseKey = new LinkedHashMap<>();
  private final Random random;
  private long dropped;
  private boolean deletedMessagesNotice;

  /** A store whose choice among collapse keys follows {@code seed}. */
  public OfflineStore(long seed) {
    this.random = new Random(seed);
  }

  /** Stores a message the push service accepted while the device was offline. */
  public void store(M message, String collapseKey) {
    if (collapseKey == null) {
      if (nonCollapsible.size() == MAX_NON_COLLAPSIBLE) {
        dropped += nonCollapsible.size() + 1;
        nonCollapsible.clear();
        deletedMessagesNotice = true;
        return;
      }
      nonCollapsible.add(message);
      return;
    }
    if (byCollapseKey.put(collapseKey, message) != null) {
      dropped++; // replaced: only the latest per key is kept
      return;
    }
    if (byCollapseKey.size() > MAX_COLLAPSE_KEYS) {
      List<String> keys = new ArrayList<>(byCollapseKey.keySet());
      byCollapseKey.remove(keys.get(random.nextInt(keys.size())));
      dropped++;
    }
  }

  /** What the device receives when it comes back: every stored message; the store is emptied. */
  public List<M> drain() {
    List<M> out = new ArrayList<>(nonCollapsible);
    out.addAll(byCollapseKey.values());
    nonCollapsible.clear();
    byCollapseKey.clear();
    return out;
  }

  /** Messages accepted but discarded (replaced, over a limit). */
  public long dropped() {
    return dropped;
  }

  /** Whether more than 100 non-collapsible messages arrived, so all of them were discarded. */
  public boolean deletedMessagesNotice() {
    return deletedMessagesNotice;
  }
}
