package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Content;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.Urgency;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

class EnqueueTest extends OnEachDatabase {
  @Test
  void committedEnqueueIsFoundAndPending() {
    EnqueueResult r = fx.outbox.enqueue(toDevice("k1"));

    assertThat(r.created()).isTrue();
    assertThat(fx.outbox.find("k1")).hasValueSatisfying(s -> {
      assertThat(s.notificationId()).isEqualTo(r.notificationId());
      assertThat(s.state()).isEqualTo(DeliveryState.PENDING);
      assertThat(s.deliveries()).singleElement().satisfies(d -> {
        assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
        assertThat(d.target()).isEqualTo(new DeviceTarget.FcmToken("tok-" + "k1".hashCode()));
        assertThat(d.attempts()).isZero();
      });
    });
  }

  @Test
  void rolledBackConnectionTransactionLeavesNothing() throws Exception {
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      EnqueueResult r = fx.outbox.enqueue(c, toDevice("rolled-back"));
      assertThat(r.created()).isTrue();
      c.rollback();
    }

    assertThat(fx.outbox.find("rolled-back")).isEmpty();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isZero();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery")).isZero();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}dedup")).isZero();
    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
    // The key was never known: enqueueing it now creates it.
    assertThat(fx.outbox.enqueue(toDevice("rolled-back")).created()).isTrue();
  }

  @Test
  void rolledBackHandleTransactionLeavesNothing() {
    Jdbi jdbi = Jdbi.create(fx.database.dataSource());
    assertThatThrownBy(() -> jdbi.useTransaction(h -> {
      fx.outbox.enqueue(h, toRecipient("via-handle", "member-1"));
      throw new IllegalStateException("business rule failed");
    })).isInstanceOf(IllegalStateException.class);

    assertThat(fx.outbox.find("via-handle")).isEmpty();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isZero();
  }

  @Test
  void committedHandleTransactionEnqueuesWithTheBusinessWrite() {
    Jdbi jdbi = Jdbi.create(fx.database.dataSource());
    fx.execute("CREATE TABLE ${p}orders (id INT PRIMARY KEY)");
    try {
      jdbi.useTransaction(h -> {
        h.execute("INSERT INTO " + fx.prefix + "orders VALUES (1)");
        fx.outbox.enqueue(h, toRecipient("order-1", "member-1"));
      });
      assertThat(fx.outbox.find("order-1")).isPresent();
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}orders")).isEqualTo(1);
    } finally {
      fx.execute("DROP TABLE ${p}orders");
    }
  }

  @Test
  void autoCommitConnectionGetsATransactionOfItsOwn() throws Exception {
    try (Connection c = fx.database.dataSource().getConnection()) {
      assertThat(c.getAutoCommit()).isTrue();
      List<EnqueueResult> rs = fx.outbox.enqueueAll(c, List.of(toDevice("a1"), toDevice("a2")));
      assertThat(rs).allMatch(EnqueueResult::created);
      assertThat(c.getAutoCommit()).isTrue();
    }
    assertThat(fx.outbox.find("a1")).isPresent();
    assertThat(fx.outbox.find("a2")).isPresent();
  }

  @Test
  void sequentialDuplicateReportsTheExistingNotification() {
    EnqueueResult first = fx.outbox.enqueue(toDevice("dup"));
    EnqueueResult second = fx.outbox.enqueue(toDevice("dup"));

    assertThat(second.duplicate()).isTrue();
    assertThat(second.notificationId()).isEqualTo(first.notificationId());
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isEqualTo(1);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery")).isEqualTo(1);
  }

  @Test
  void duplicateOfADeliveredKeyWithinTheWindowIsANoOp() {
    EnqueueResult first = fx.outbox.enqueue(toDevice("done"));
    ClaimedDelivery c = fx.claimOne();
    assertThat(fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.Delivered("p-1"))))).isEmpty();

    EnqueueResult again = fx.outbox.enqueue(toDevice("done"));

    assertThat(again).isEqualTo(new EnqueueResult(first.notificationId(), false));
    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
  }

  @Test
  void batchWithRepeatedKeyCreatesItOnceInInputOrder() {
    List<EnqueueResult> rs = fx.outbox.enqueueAll(List.of(toDevice("b"), toDevice("a"), toDevice("b"), toDevice("c")));

    assertThat(rs).extracting(EnqueueResult::created).containsExactly(true, true, false, true);
    assertThat(rs.get(2).notificationId()).isEqualTo(rs.get(0).notificationId());
    assertThat(new HashSet<>(List.of(rs.get(0).notificationId(), rs.get(1).notificationId(), rs.get(3).notificationId())))
        .hasSize(3);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isEqualTo(3);
  }

  @Test
  void concurrentDuplicatesCreateEachKeyExactlyOnceWithoutErrors() throws Exception {
    int threads = 32;
    int keys = 1_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<EnqueueResult>>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int offset = t * 37;
        futures.add(pool.submit(() -> {
          start.await();
          List<EnqueueResult> mine = new ArrayList<>(keys);
          // Each thread walks the keys from a different start, in batches of 25 and (a fifth of the
          // keys) one transaction per key.
          for (int i = 0; i < keys; i += 25) {
            List<Notification> batch = new ArrayList<>();
            for (int j = i; j < i + 25; j++) {
              batch.add(toDevice("key-" + ((j + offset) % keys)));
            }
            if ((i / 25) % 5 != 0) {
              mine.addAll(fx.outbox.enqueueAll(batch));
            } else {
              for (Notification n : batch) {
                mine.add(fx.outbox.enqueue(n));
              }
            }
          }
          return mine;
        }));
      }
      start.countDown();
      long created = 0;
      Set<Long> ids = new HashSet<>();
      for (Future<List<EnqueueResult>> f : futures) {
        for (EnqueueResult r : f.get()) {
          created += r.created() ? 1 : 0;
          ids.add(r.notificationId());
        }
      }
      assertThat(created).isEqualTo(keys);
      assertThat(ids).hasSize(keys);
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isEqualTo(keys);
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery")).isEqualTo(keys);
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}dedup")).isEqualTo(keys);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void payloadRoundTripsExactly() {
    DeviceTarget sub = new DeviceTarget.WebPushSubscription("https://push.example.net/send/abc123",
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "tBHItJI5svbpez7KI4CCXg");
    Content content = Content.builder().title("Tïtle ✓").body("Body\nline 2").data("a", "1").data("empty", "")
        .image(URI.create("https://img.example.net/i.png")).clickUrl(URI.create("https://app.example.net/open/42")).build();
    Notification n = Notification.builder("payload-1").recipient(Recipient.device(sub)).content(content)
        .timeToLive(Duration.ofSeconds(90)).urgency(Urgency.HIGH).collapseKey("my-topic").build();
    fx.outbox.enqueue(n);

    ClaimedDelivery c = fx.claim("t", dev.herald.Channel.WEB_PUSH, 5, Fixture.LONG_LEASE).deliveries().get(0);

    assertThat(c.delivery().target()).isEqualTo(sub);
    assertThat(c.delivery().content()).isEqualTo(content);
    assertThat(c.delivery().content().data()).containsExactly(Map.entry("a", "1"), Map.entry("empty", ""));
    assertThat(c.delivery().options()).isEqualTo(n.options());
    assertThat(c.delivery().collapseKey()).isEqualTo("my-topic");
    assertThat(c.delivery().notificationKey()).isEqualTo("payload-1");
    assertThat(c.delivery().attempt()).isEqualTo(1);
  }

  @Test
  void derivedCollapseKeyComesFromTheIdempotencyKey() {
    fx.outbox.enqueue(toDevice("collapse-me"));
    ClaimedDelivery c = fx.claimOne();
    assertThat(c.delivery().collapseKey()).isEqualTo(dev.herald.CollapseKeys.fromIdempotencyKey("collapse-me"));
  }

  @Test
  void nullArgumentsAreRejectedWithTheirName() {
    assertThatThrownBy(() -> fx.outbox.enqueue((Notification) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("notification");
    List<Notification> withNull = new ArrayList<>();
    withNull.add(toDevice("x"));
    withNull.add(null);
    assertThatThrownBy(() -> fx.outbox.enqueueAll(withNull)).isInstanceOf(NullPointerException.class)
        .hasMessage("notifications[1]");
    assertThatThrownBy(() -> fx.outbox.enqueue((Connection) null, toDevice("x"))).isInstanceOf(NullPointerException.class)
        .hasMessage("connection");
  }
}
