package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.EnqueueResult;
import dev.herald.outbox.jdbc.DeadLetter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs every example so that none can rot, and checks that it shows what it says it shows. */
class ExamplesTest {
  final ByteArrayOutputStream buf = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);

  String printed() {
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jdbcEnqueueExistsOnlyIfTheBusinessTransactionCommits() throws Exception {
    boolean[] exists = TransactionalEnqueueJdbc.run(out);
    assertThat(exists).containsExactly(true, false);
    assertThat(printed()).contains("order 2 rolled back -> notification exists: false");
  }

  @Test
  void jdbiEnqueueOfARedeliveredEventIsADuplicate() {
    EnqueueResult[] r = TransactionalEnqueueJdbi.run(out);
    assertThat(r[0].created()).isTrue();
    assertThat(r[1].duplicate()).isTrue();
    assertThat(r[1].notificationId()).isEqualTo(r[0].notificationId());
  }

  @Test
  void scheduledIsSentWhenDueCancelledAndExpiredAreNot() throws Exception {
    DeliveryState[] s = ScheduleAndCancel.run(out);
    assertThat(s).containsExactly(DeliveryState.DELIVERED, DeliveryState.CANCELLED, DeliveryState.EXPIRED);
    assertThat(printed()).contains("cancelling meeting-2: true").contains("meeting-1 delivered");
  }

  @Test
  void kafkaEventsBecomeOneReminderEachAndCancelsHold() throws Exception {
    DeliveryState[] s = ScheduleEventsFromKafka.run(out);
    assertThat(s).containsExactly(DeliveryState.DELIVERED, DeliveryState.CANCELLED, DeliveryState.CANCELLED);
    assertThat(printed()).contains("1 dead-lettered").containsOnlyOnce("push ->");
  }

  @Test
  void guardVetoesWhatTheHostNoLongerWants() {
    DeliveryState[] s = GuardExample.run(out);
    assertThat(s).containsExactly(DeliveryState.DELIVERED, DeliveryState.CANCELLED);
    assertThat(printed()).contains("(vetoed by the guard: schedule already started)");
  }

  @Test
  void deviceMigrationFromTokenToFidIsNeverSentTwice() {
    List<DeviceTarget> sentTo = DeviceRegistration.run(out);
    assertThat(sentTo).containsExactly(new DeviceTarget.FcmInstallation("cNewFid0123456789abcde"));
    assertThat(printed()).contains("after migrating to an installation id: [fid=ACTIVE, fid=ACTIVE, token=RETIRED]");
  }

  @Test
  @SuppressWarnings("unchecked")
  void deadLettersAreListedAndReQueued() {
    Object[] r = DeadLetters.run(out);
    assertThat((List<DeadLetter>) r[0]).hasSize(3).allSatisfy(d -> assertThat(d.lastError()).startsWith("INVALID_ARGUMENT"));
    assertThat(r[1]).isEqualTo(DeliveryState.DELIVERED);
    assertThat(printed()).contains("re-queued 1").contains("still dead: 2");
  }

  @Test
  void metricsCountResultsByChannel() {
    MeterRegistry registry = MetricsExample.run(out);
    assertThat(registry.get("herald.deliveries").tag("result", "delivered").counter().count()).isEqualTo(6);
    assertThat(registry.get("herald.deliveries").tag("result", "retry").counter().count()).isEqualTo(4);
    assertThat(registry.get("herald.backlog").gauge().value()).isEqualTo(4);
    assertThat(printed()).contains("herald.send");
  }

  @Test
  void twoEnginesShareOnePostgresAndSendEachNotificationOnce() throws Exception {
    String url = System.getProperty("herald.test.pg.url", "");
    if (url.isBlank()) {
      assumeTrue(Boolean.getBoolean("herald.test.pg.optional"), "no PostgreSQL");
      fail("herald.test.pg.url is not set: run `scripts/pg start` and pass -Dherald.test.pg.url=$(scripts/pg url), "
          + "or use scripts/test");
    }
    String prefix = "herald_ex" + Long.toString(System.nanoTime(), 36) + "_";
    try {
      int[] r = TwoEnginesOnPostgres.run(url, prefix, 600, out);
      assertThat(r[0] + r[1]).isEqualTo(600);
      assertThat(r[2]).isEqualTo(600);
      assertThat(r[0]).isPositive(); // both engines took part
      assertThat(r[1]).isPositive();
    } finally {
      dropTables(url, prefix);
    }
  }

  private static void dropTables(String url, String prefix) throws Exception {
    try (Connection c = DriverManager.getConnection(url)) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = c.createStatement().executeQuery(
          "select tablename from pg_tables where tablename like '" + prefix + "%'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      for (String t : tables) {
        c.createStatement().execute("drop table if exists " + t + " cascade");
      }
    }
  }
}
