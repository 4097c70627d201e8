package dev.herald.testing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The fakes' model of FCM's storage for an offline device must be the documented rule, or the offline test proves nothing. */
class OfflineStoreTest {

  @Test
  void keepsEveryNonCollapsibleMessageUpToOneHundred() {
    OfflineStore<Integer> store = new OfflineStore<>(1);
    IntStream.rangeClosed(1, OfflineStore.MAX_NON_COLLAPSIBLE).forEach(i -> store.store(i, null));
    assertThat(store.drain()).hasSize(100).containsExactlyElementsOf(IntStream.rangeClosed(1, 100).boxed().toList());
    assertThat(store.dropped()).isZero();
    assertThat(store.drain()).isEmpty();
  }

  @Test
  void discardsAllNonCollapsibleMessagesBeyondOneHundredAndSaysSo() {
    OfflineStore<Integer> store = new OfflineStore<>(1);
    IntStream.rangeClosed(1, 101).forEach(i -> store.store(i, null));
    assertThat(store.drain()).isEmpty();
    assertThat(store.deletedMessagesNotice()).isTrue();
    assertThat(store.dropped()).isEqualTo(101);
  }

  @Test
  void keepsTheLatestMessagePerCollapseKey() {
    OfflineStore<String> store = new OfflineStore<>(1);
    store.store("2-0", "score");
    store.store("2-1", "score");
    store.store("3-1", "score");
    assertThat(store.drain()).containsExactly("3-1");
  }

  @Test
  void keepsAtMostFourCollapseKeysWhicheverTheyAre() {
    for (long seed = 0; seed < 20; seed++) {
      OfflineStore<String> store = new OfflineStore<>(seed);
      IntStream.rangeClosed(1, 6).forEach(i -> store.store("m" + i, "key-" + i));
      store.store("plain", null);
      assertThat(store.drain()).as("seed " + seed).hasSize(OfflineStore.MAX_COLLAPSE_KEYS + 1).contains("plain");
    }
  }
}
