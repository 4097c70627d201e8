package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class PurgeTest {
  @Parameter
  Db db;

  Fixture fx;

  @AfterEach
  void tearDown() {
    if (fx != null) {
      fx.close();
    }
  }

  private void deliverAll() {
    List<ClaimedDelivery> b;
    while (!(b = fx.claimFcm(100).deliveries()).isEmpty()) {
      List<Completion> cs = new ArrayList<>();
      b.forEach(c -> cs.add(new Completion(c.delivery().deliveryId(), c.fencingToken(), new Resolution.Delivered("p"))));
      fx.outbox.complete(cs);
    }
  }

  @Test
  void finishedRowsPastRetentionArePurgedInBatchesAndOpenOnesStay() throws Exception {
    fx = new Fixture(db, b -> b.retention(Duration.ZERO).purgeBatchSize(7));
    for (int i = 0; i < 40; i++) {
      fx.outbox.enqueue(toDevice("done-" + i));
    }
    deliverAll();
    fx.outbox.enqueue(toDevice("pending"));
    fx.outbox.enqueue(toDevice("in-flight"));
    ClaimedDelivery held = fx.claimFcm(1).deliveries().get(0);
    fx.outbox.enqueue(toRecipient("cancelled", "m"));
    fx.outbox.cancel("cancelled");
    Thread.sleep(20);

    int purged = fx.outbox.purge();

    assertThat(purged).isEqualTo(41);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isEqualTo(2);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery")).isEqualTo(2);
    assertThat(fx.outbox.find(held.delivery().notificationKey())).isPresent();
    // Dedup keys outlive the purged rows.
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}dedup")).isEqualTo(43);
    assertThat(fx.outbox.enqueue(toDevice("done-3")).duplicate()).isTrue();
    assertThat(fx.outbox.enqueue(toDevice("cancelled")).duplicate()).isTrue();
    assertThat(fx.outbox.find("done-3")).isEmpty();
  }

  @Test
  void rowsWithinRetentionStay() {
    fx = new Fixture(db, b -> b.retention(Duration.ofDays(1)));
    fx.outbox.enqueue(toDevice("recent"));
    deliverAll();
    assertThat(fx.outbox.purge()).isZero();
    assertThat(fx.outbox.find("recent").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
  }

  @Test
  void deadLettersArePurgedLikeOtherFinishedRowsButRequeuedOnesStay() throws Exception {
    fx = new Fixture(db, b -> b.retention(Duration.ZERO));
    fx.outbox.enqueue(toDevice("dead-1"));
    fx.outbox.enqueue(toDevice("dead-2"));
    for (ClaimedDelivery c : fx.claimFcm(10).deliveries()) {
      fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
          new Resolution.Dead(Outcome.rejected("400", "bad")))));
    }
    fx.outbox.admin().requeue(DeadLetterQuery.byKey("dead-2"));
    Thread.sleep(20);

    assertThat(fx.outbox.purge()).isEqualTo(1);
    assertThat(fx.outbox.find("dead-1")).isEmpty();
    assertThat(fx.outbox.find("dead-2").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
  }

  @Test
  void keysAreForgottenOnceTheDedupWindowHasPassed() throws Exception {
    fx = new Fixture(db, b -> b.retention(Duration.ZERO).dedupWindow(Duration.ofMillis(300)));
    long first = fx.outbox.enqueue(toDevice("window")).notificationId();
    deliverAll();
    Thread.sleep(20);
    fx.outbox.purge();
    assertThat(fx.outbox.enqueue(toDevice("window")).duplicate()).as("within the window").isTrue();

    Thread.sleep(400);
    fx.outbox.purge();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}dedup")).isZero();
    var again = fx.outbox.enqueue(toDevice("window"));
    assertThat(again.created()).isTrue();
    assertThat(again.notificationId()).isNotEqualTo(first);
  }

  @Test
  void keyPastItsWindowIsReusableEvenBeforeThePurge() throws Exception {
    fx = new Fixture(db, b -> b.dedupWindow(Duration.ZERO));
    long first = fx.outbox.enqueue(toDevice("reuse")).notificationId();
    assertThat(fx.outbox.enqueue(toDevice("reuse")).duplicate()).as("pending keys are always known").isTrue();
    deliverAll();
    Thread.sleep(10);

    var again = fx.outbox.enqueue(toDevice("reuse"));

    assertThat(again.created()).isTrue();
    assertThat(fx.outbox.find("reuse").orElseThrow().notificationId()).isEqualTo(again.notificationId());
    assertThat(fx.outbox.admin().find(first)).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(DeliveryState.DELIVERED));
    // Purging the old notification does not disturb the key that now belongs to the new one.
    fx.close();
    fx = null;
  }
}
