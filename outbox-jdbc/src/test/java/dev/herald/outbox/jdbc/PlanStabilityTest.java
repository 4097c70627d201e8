package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Notification;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.store.ClaimRequest;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.InputValidator;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Plans cached while the tables were nearly empty must not survive into a large table: a generic
 * plan cached for a 20-row delivery table took 27 s for one 500-row completion once 100,000 rows
 * were in flight.
 */
class PlanStabilityTest {

  @Test
  void claimAndCompletionStayFastAfterTheTablesGrowFromEmpty() {
    try (Fixture fx = new Fixture(Db.POSTGRESQL); HikariDataSource one = fx.database.newPool(1)) {
      // One connection, so the statements cached while the tables are tiny are the ones used later.
      JdbcOutbox outbox = JdbcOutbox.builder(one).tablePrefix(fx.prefix).listenNotify(false)
          .purgeInterval(Duration.ZERO).validator(InputValidator.none()).build();
      ClaimRequest req = new ClaimRequest("o", Duration.ofMinutes(5), Map.of(Channel.FCM, 500));
      for (int i = 0; i < 12; i++) {
        outbox.enqueueAll(List.of(Fixture.toDevice("warm-" + i + "a"), Fixture.toDevice("warm-" + i + "b")));
        completeAll(outbox, outbox.claim(req).deliveries());
      }
      fx.execute("INSERT INTO ${p}notification (id, idempotency_key, state, created_at, payload)"
          + " SELECT g, 'bulk-' || g, 10, CURRENT_TIMESTAMP, '\\x01' FROM generate_series(1000000, 1100000) g");
      // Held by an instance that stopped: in flight, lease ending tomorrow.
      fx.execute("INSERT INTO ${p}delivery (notification_id, channel, state, lease_owner, fencing_token, next_at)"
          + " SELECT g, 'fcm', 1, 'stuck', 1, CURRENT_TIMESTAMP + INTERVAL '1' DAY FROM generate_series(1000000, 1100000) g");
      List<Notification> due = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        due.add(Fixture.toDevice("due-" + i));
      }
      outbox.enqueueAll(due);

      long t0 = System.nanoTime();
      List<ClaimedDelivery> claimed = outbox.claim(req).deliveries();
      completeAll(outbox, claimed);
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(claimed).hasSize(500);
      assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 2")).isEqualTo(24 + 500);
      assertThat(took).as("claim and complete 500 among 100,000 rows").isLessThan(Duration.ofSeconds(2));
      outbox.close();
    }
  }

  private static void completeAll(JdbcOutbox outbox, List<ClaimedDelivery> claimed) {
    List<Completion> cs = new ArrayList<>();
    claimed.forEach(c -> cs.add(new Completion(c.delivery().deliveryId(), c.fencingToken(), new Resolution.Delivered(null))));
    assertThat(outbox.complete(cs)).isEmpty();
  }
}
