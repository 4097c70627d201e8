package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.store.ClaimRequest;
import dev.herald.testing.ScriptedTransport;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.TestDatabase;
import dev.herald.spi.InputValidator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class SchemaTest {
  @Parameter
  Db db;

  private JdbcOutbox outbox(String prefix) {
    return JdbcOutbox.builder(TestDatabase.get(db).dataSource()).tablePrefix(prefix).purgeInterval(Duration.ZERO)
        .validator(InputValidator.none()).build();
  }

  @Test
  void missingSchemaFailsFastSayingToMigrate() {
    String prefix = TestDatabase.newPrefix();
    try (JdbcOutbox o = outbox(prefix)) {
      assertThatThrownBy(o::verifySchema).isInstanceOf(OutboxSchemaException.class)
          .hasMessageContaining("no Herald outbox schema found")
          .hasMessageContaining(prefix + "schema_version")
          .hasMessageContaining("call JdbcOutbox.migrate()");
      assertThatThrownBy(() -> o.enqueue(Fixture.toDevice("x"))).isInstanceOf(OutboxSchemaException.class);
      assertThat(o.admin().schemaVersion()).isZero();
    }
  }

  @Test
  void anEngineOnAMissingSchemaFailsToStartAndStartsNothing() {
    String prefix = TestDatabase.newPrefix();
    try (JdbcOutbox o = outbox(prefix)) {
      Herald herald = Herald.builder().store(o).transport(new ScriptedTransport(Channel.FCM)).instanceId("no-schema")
          .build();
      assertThatThrownBy(herald::start).isInstanceOf(OutboxSchemaException.class)
          .hasMessageContaining("call JdbcOutbox.migrate()");
      assertThat(threads("herald-poller-no-schema", "herald-completer-no-schema", "herald-outbox-purge-" + prefix))
          .as("threads after a refused start").isEmpty();
      herald.close();
    }
  }

  @Test
  void housekeepingRunsWhileAnEngineRunsNotAfterAClaim() {
    String prefix = TestDatabase.newPrefix();
    try (JdbcOutbox o = JdbcOutbox.builder(TestDatabase.get(db).dataSource()).tablePrefix(prefix)
        .purgeInterval(Duration.ofHours(1)).validator(InputValidator.none()).build()) {
      o.migrate();
      String purge = "herald-outbox-purge-" + prefix;
      o.claim(new ClaimRequest("tool", Duration.ofSeconds(30), Map.of(Channel.FCM, 10)));
      assertThat(threads(purge)).as("a claim starts nothing").isEmpty();
      Herald a = Herald.builder().store(o).transport(new ScriptedTransport(Channel.FCM)).instanceId("engine-a").build();
      Herald b = Herald.builder().store(o).transport(new ScriptedTransport(Channel.FCM)).instanceId("engine-b").build();
      a.start();
      b.start();
      assertThat(threads(purge)).as("one housekeeper for two engines").hasSize(1);
      a.close();
      assertThat(threads(purge)).as("still one engine running").hasSize(1);
      b.close();
      awaitGone(purge);
    } finally {
      TestDatabase.get(db).dropPrefix(prefix);
    }
  }

  private static List<String> threads(String... names) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> List.of(names).contains(n)).toList();
  }

  private static void awaitGone(String name) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!threads(name).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("thread still alive 10 s after the last engine closed: " + name);
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void migrateIsIdempotentAndVerifiesAfterwards() {
    String prefix = TestDatabase.newPrefix();
    try (JdbcOutbox o = outbox(prefix)) {
      assertThat(o.migrate()).isEqualTo(4);
      assertThat(o.migrate()).isZero();
      o.verifySchema();
      assertThat(o.admin().schemaVersion()).isEqualTo(4);
    } finally {
      TestDatabase.get(db).dropPrefix(prefix);
    }
  }

  @Test
  void concurrentMigrationsFromManyInstancesAllSucceedOnce() throws Exception {
    String prefix = TestDatabase.newPrefix();
    int instances = 8;
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> fs = new ArrayList<>();
    List<JdbcOutbox> outboxes = new ArrayList<>();
    try {
      for (int i = 0; i < instances; i++) {
        JdbcOutbox o = outbox(prefix);
        outboxes.add(o);
        fs.add(pool.submit(() -> {
          go.await();
          return o.migrate();
        }));
      }
      go.countDown();
      int applied = 0;
      for (Future<Integer> f : fs) {
        applied += f.get();
      }
      assertThat(applied).as("every script applied once in all").isEqualTo(4);
      outboxes.forEach(JdbcOutbox::verifySchema);
      assertThat(outboxes.get(3).enqueue(Fixture.toDevice("works")).created()).isTrue();
    } finally {
      pool.shutdownNow();
      outboxes.forEach(JdbcOutbox::close);
      TestDatabase.get(db).dropPrefix(prefix);
    }
  }

  @Test
  void aVersionOneSchemaIsUpgradedInPlaceKeepingItsRows() {
    try (Fixture fx = new Fixture(db)) {
      fx.outbox.enqueue(Fixture.toDevice("kept"));
      // Back to version 1: what an outbox created by the first release looks like.
      downToVersion3(fx);
      fx.execute("ALTER TABLE ${p}delivery DROP COLUMN requeued_at");
      fx.execute("DROP INDEX ${p}notification_recipient");
      fx.execute("DROP INDEX ${p}delivery_finished");
      fx.execute("ALTER TABLE ${p}notification DROP COLUMN due_at");
      fx.execute("DELETE FROM ${p}schema_version WHERE version >= 2");
      try (JdbcOutbox o = fx.another(b -> b)) {
        assertThatThrownBy(o::verifySchema).isInstanceOf(OutboxSchemaException.class).hasMessageContaining("version 1");

        assertThat(o.migrate()).isEqualTo(3);

        o.verifySchema();
        assertThat(o.admin().schemaVersion()).isEqualTo(4);
        assertThat(o.find("kept")).isPresent();
        // Enqueued before version 3: no due time recorded, still readable in detail.
        assertThat(o.admin().notification("kept")).hasValueSatisfying(n -> assertThat(n.dueAt()).isNull());
        assertThat(fx.claimFcm(10).deliveries()).extracting(c -> c.delivery().notificationKey()).containsExactly("kept");
      }
    }
  }

  /** Undoes version 4 (scopes) in place: what an outbox of the release before scopes looks like. */
  private static void downToVersion3(Fixture fx) {
    fx.execute("DROP INDEX ${p}delivery_scope_claim");
    fx.execute("ALTER TABLE ${p}delivery DROP COLUMN scope");
    fx.execute("ALTER TABLE ${p}device DROP COLUMN scope");
    fx.execute("DELETE FROM ${p}schema_version WHERE version >= 4");
  }

  @Test
  void aVersionThreeSchemaGetsScopesKeepingItsRowsAndOldDevicesAreNamedAtTheirFirstExpansion() {
    ScriptedTransport fcm = new ScriptedTransport(Channel.FCM)
        .scopedBy(t -> Scope.of(Channel.FCM, t.address().startsWith("staff") ? "staff" : "customer"));
    try (Fixture fx = new Fixture(db)) {
      // Rows of every kind, written before the upgrade.
      fx.outbox.enqueue(Notification.builder("explicit").recipient(Recipient.device(new DeviceTarget.FcmToken("staff-token-1")))
          .title("t").build());
      fx.outbox.register("member-1", new DeviceTarget.FcmToken("customer-token-1"));
      fx.outbox.register("member-2", new DeviceTarget.FcmToken("staff-token-2"));
      fx.outbox.enqueue(Notification.builder("expanded").recipient(Recipient.id("member-1")).title("t").build());
      assertThat(fx.claimFcm(10).deliveries()).hasSize(2); // explicit + member-1's, both in flight now
      fx.outbox.enqueue(Notification.builder("waiting").recipient(Recipient.id("member-2")).title("t").build());
      downToVersion3(fx);
      try (JdbcOutbox o = fx.another(b -> b.validator(InputValidator.of(List.of(fcm))))) {
        assertThatThrownBy(o::verifySchema).isInstanceOf(OutboxSchemaException.class).hasMessageContaining("version 3");

        assertThat(o.migrate()).isEqualTo(1);

        o.verifySchema();
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isEqualTo(3);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = ''")).as("existing deliveries").isEqualTo(2);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE scope IS NULL")).as("existing devices").isEqualTo(2);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 1")).as("still in flight").isEqualTo(2);
        // The waiting notification expands now: its device is named and its delivery recorded in that scope.
        assertThat(o.claim(new dev.herald.store.ClaimRequest("after", Fixture.LONG_LEASE, Map.of(Channel.FCM, 10)))
            .deliveries()).extracting(c -> c.delivery().notificationKey() + " " + c.delivery().scope())
            .containsExactly("waiting fcm[staff]");
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE scope = 'staff'")).isEqualTo(1);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE scope IS NULL")).as("not expanded yet").isEqualTo(1);
        assertThat(o.find("explicit").orElseThrow().deliveries().get(0).scope()).isEqualTo(Scope.of(Channel.FCM));
      }
    }
  }

  @Test
  void aVersionTwoSchemaIsUpgradedToScopesAndAnEngineDeliversItsWorkInTheScopesTheTransportNames() {
    ScriptedTransport fcm = new ScriptedTransport(Channel.FCM)
        .scopedBy(t -> Scope.of(Channel.FCM, t.address().startsWith("staff") ? "staff" : "customer"))
        .always(dev.herald.Outcome.delivered("ok"));
    try (Fixture fx = new Fixture(db)) {
      // The rows a release of schema version 2 leaves: an explicit target, registered devices, a
      // delivery in flight under a lease and a notification waiting for its expansion.
      fx.outbox.enqueue(Notification.builder("explicit").recipient(Recipient.device(new DeviceTarget.FcmToken("staff-token-1")))
          .title("t").build());
      fx.outbox.register("member-1", new DeviceTarget.FcmToken("customer-token-1"));
      fx.outbox.register("member-2", new DeviceTarget.FcmToken("staff-token-2"));
      fx.outbox.enqueue(Notification.builder("expanded").recipient(Recipient.id("member-1")).title("t").build());
      assertThat(fx.claim("old-release", Channel.FCM, 1, Duration.ofMillis(1)).deliveries()).hasSize(1);
      fx.outbox.enqueue(Notification.builder("waiting").recipient(Recipient.id("member-2")).title("t").build());
      downToVersion3(fx);
      fx.execute("DROP INDEX ${p}notification_recipient");
      fx.execute("DROP INDEX ${p}delivery_finished");
      fx.execute("ALTER TABLE ${p}notification DROP COLUMN due_at");
      fx.execute("DELETE FROM ${p}schema_version WHERE version >= 3");
      try (JdbcOutbox o = fx.another(b -> b.validator(InputValidator.of(List.of(fcm))))) {
        assertThatThrownBy(o::verifySchema).isInstanceOf(OutboxSchemaException.class).hasMessageContaining("version 2");

        assertThat(o.migrate()).isEqualTo(2);

        o.verifySchema();
        assertThat(o.admin().schemaVersion()).isEqualTo(4);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = ''")).as("existing deliveries").isEqualTo(2);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE scope IS NULL")).as("existing devices").isEqualTo(2);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 1")).as("the lease survived").isEqualTo(1);

        Herald herald = Herald.builder().store(o).transport(fcm).instanceId("after-upgrade").build();
        try {
          herald.drain(10);
        } finally {
          herald.close();
        }
        assertThat(fcm.sent()).extracting(d -> d.notificationKey() + " " + d.scope())
            .containsExactlyInAnyOrder("explicit fcm[staff]", "expanded fcm[customer]", "waiting fcm[staff]");
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE state = 2")).as("all delivered").isEqualTo(3);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}delivery WHERE scope = 'staff'")).as("recorded at expansion")
            .isEqualTo(1);
        assertThat(fx.count("SELECT COUNT(*) FROM ${p}device WHERE recipient_id = 'member-2' AND scope = 'staff'"))
            .as("named by its first expansion").isEqualTo(1);
      }
    }
  }

  @Test
  void newerSchemaIsRefusedWithAnUpgradeHint() {
    String prefix = TestDatabase.newPrefix();
    try (Fixture fx = new Fixture(db)) {
      fx.execute("INSERT INTO ${p}schema_version VALUES (99, 'from the future', 0, CURRENT_TIMESTAMP)");
      try (JdbcOutbox o = fx.another(b -> b)) {
        assertThatThrownBy(o::verifySchema).isInstanceOf(OutboxSchemaException.class)
            .hasMessageContaining("version 99")
            .hasMessageContaining("upgrade Herald")
            .satisfies(e -> {
              assertThat(((OutboxSchemaException) e).found()).isEqualTo(99);
              assertThat(((OutboxSchemaException) e).expected()).isEqualTo(4);
            });
        assertThatThrownBy(o::migrate).isInstanceOf(OutboxException.class).hasMessageContaining("upgrade Herald");
      }
    }
    TestDatabase.get(db).dropPrefix(prefix);
  }

  @Test
  void prefixesIsolateOutboxesInOneDatabase() {
    try (Fixture a = new Fixture(db); Fixture b = new Fixture(db)) {
      a.outbox.enqueue(Fixture.toDevice("same-key"));
      assertThat(b.outbox.enqueue(Fixture.toDevice("same-key")).created()).isTrue();
      assertThat(a.claimFcm(10).deliveries()).hasSize(1);
      assertThat(b.claimFcm(10).deliveries()).hasSize(1);
    }
  }

  @Test
  void dialectIsDetectedFromTheDataSource() {
    try (JdbcOutbox o = outbox(TestDatabase.newPrefix())) {
      assertThat(o.database()).isEqualTo(db == Db.H2 ? Database.H2 : Database.POSTGRESQL);
      assertThat(o.toString()).contains(db == Db.H2 ? "h2" : "postgresql");
    }
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    var b = JdbcOutbox.builder(TestDatabase.get(db).dataSource());
    assertThatThrownBy(() -> b.tablePrefix("Herald-")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tablePrefix must be 1-32 of [a-z0-9_] starting with a letter: Herald-");
    assertThatThrownBy(() -> b.tablePrefix("x; drop table y")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.dedupWindow(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dedupWindow must be >= 0 and <= PT87600H: PT-1S");
    assertThatThrownBy(() -> b.retention(null)).isInstanceOf(NullPointerException.class).hasMessage("retention");
    assertThatThrownBy(() -> b.purgeBatchSize(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("purgeBatchSize must be 1-10000: 0");
    assertThatThrownBy(() -> b.expansionBatchSize(10_001)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expansionBatchSize must be 1-10000: 10001");
    assertThatThrownBy(() -> JdbcOutbox.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("dataSource");
  }

  @Test
  void failureMessagesNameTheOperationButNoBoundValue() {
    try (Fixture fx = new Fixture(db)) {
      fx.execute("DROP TABLE ${p}device");
      assertThatThrownBy(() -> fx.outbox.register("member-with-a-private-id",
          new dev.herald.DeviceTarget.FcmToken("private-token-value")))
          .isInstanceOf(OutboxException.class)
          .hasMessageStartingWith("register device failed: ")
          .hasMessageContaining("[statement: ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("member-with-a-private-id")
              .doesNotContain("private-token-value").doesNotContain("arguments"));
    }
  }

  @Test
  void useAfterCloseFailsSayingSo() {
    JdbcOutbox o = outbox(TestDatabase.newPrefix());
    o.close();
    o.close();
    assertThatThrownBy(() -> o.enqueue(Fixture.toDevice("x"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("JdbcOutbox is closed");
    assertThatThrownBy(() -> o.start(() -> {})).isInstanceOf(IllegalStateException.class);
  }
}
