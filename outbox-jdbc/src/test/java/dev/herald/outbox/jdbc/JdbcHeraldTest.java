package dev.herald.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.TestDatabase;
import dev.herald.testing.ScriptedTransport;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The front door: one object for enqueue, cancel, devices, operators and the engine, on each database. */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class JdbcHeraldTest {
  static final DeviceTarget.FcmToken PHONE = new DeviceTarget.FcmToken("phone-token-1");

  @Parameter
  Db db;

  final List<String> prefixes = new ArrayList<>();
  final List<JdbcHerald> opened = new ArrayList<>();
  // A transport with a rule of its own, to show that the door derives its checks from it.
  final ScriptedTransport fcm = new ScriptedTransport(Channel.FCM).validatingWith(n -> {
    if (n.content().title() != null && n.content().title().contains("too long for FCM")) {
      throw new InvalidInputException("FCM content",
          List.of(new InvalidInputException.Problem("content.title", "refused by the transport")));
    }
  });

  DataSource ds() {
    return TestDatabase.get(db).dataSource();
  }

  JdbcHerald.Builder builder() {
    String prefix = TestDatabase.newPrefix();
    prefixes.add(prefix);
    return JdbcHerald.builder(ds()).tablePrefix(prefix).purgeInterval(java.time.Duration.ZERO).transport(fcm)
        .instanceId("door");
  }

  JdbcHerald herald() {
    JdbcHerald h = builder().build();
    opened.add(h);
    h.migrate();
    return h;
  }

  @AfterEach
  void cleanUp() {
    opened.forEach(JdbcHerald::close);
    prefixes.forEach(p -> TestDatabase.get(db).dropPrefix(p));
  }

  static Notification note(String key) {
    return Notification.builder(key).recipient(Recipient.id("member-7")).title("Your schedule starts now").build();
  }

  @Test
  void aTransportIsRequired() {
    assertThatThrownBy(() -> JdbcHerald.builder(ds()).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one transport is required");
  }

  @Test
  void whatATransportRefusesIsRefusedAtEnqueueWithNothingStored() {
    JdbcHerald h = herald();
    Notification refused = Notification.builder("k").recipient(Recipient.id("member-7")).title("too long for FCM")
        .build();
    assertThatThrownBy(() -> h.enqueue(refused)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("content.title");
    Notification noTransport = Notification.builder("w").recipient(Recipient.device(new DeviceTarget.WebPushSubscription(
        "https://fcm.googleapis.com/fcm/send/x",
        "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU",
        "AAECAwQFBgcICQoLDA0ODw"))).title("t").build();
    assertThatThrownBy(() -> h.enqueue(noTransport)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("recipient.target.channel has no transport configured: webpush");
    assertThat(h.find("k")).isEmpty();
    assertThat(h.find("w")).isEmpty();
  }

  @Test
  void enqueueAndCancelJoinTheHostsTransaction() throws SQLException {
    JdbcHerald h = herald();
    try (Connection c = ds().getConnection()) {
      c.setAutoCommit(false);
      h.enqueue(c, note("rolled-back"));
      c.rollback();
      h.enqueue(c, note("committed"));
      c.commit();
      h.cancel(c, "committed");
      c.rollback();
    }
    assertThat(h.find("rolled-back")).isEmpty();
    assertThat(h.find("committed")).get().extracting(n -> n.state()).isEqualTo(DeliveryState.PENDING);
    Jdbi.create(ds()).useTransaction(handle -> assertThat(h.cancel(handle, "committed")).isTrue());
    assertThat(h.find("committed")).get().extracting(n -> n.state()).isEqualTo(DeliveryState.CANCELLED);
  }

  @Test
  void devicesRegisterInTheHostsTransactionAndTheEngineDelivers() throws SQLException {
    JdbcHerald h = herald();
    try (Connection c = ds().getConnection()) {
      c.setAutoCommit(false);
      h.devices().register(c, "member-7", PHONE);
      c.rollback();
    }
    assertThat(h.devices().find(PHONE)).isEmpty();
    Device d = h.devices().register("member-7", PHONE);
    assertThat(d.status()).isEqualTo(Device.Status.ACTIVE);
    h.enqueue(note("reminder"));
    assertThat(h.drain(5)).isEqualTo(1);
    assertThat(fcm.sent()).extracting(x -> x.target()).containsExactly(PHONE);
    assertThat(h.find("reminder")).get().extracting(n -> n.state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(h.admin().stats()).isNotNull();
  }

  @Test
  void startFailsOnAMissingSchemaAndMigrateOnStartMigrates() {
    JdbcHerald unmigrated = builder().build();
    opened.add(unmigrated);
    assertThatThrownBy(unmigrated::start).isInstanceOf(OutboxSchemaException.class);
    JdbcHerald migrating = builder().migrateOnStart(true).build();
    opened.add(migrating);
    migrating.start();
    assertThat(migrating.admin().schemaVersion()).isPositive();
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseSaysSo() {
    JdbcHerald h = herald();
    h.close();
    h.close();
    assertThatThrownBy(() -> h.enqueue(note("late"))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(fcm.closed()).isTrue();
  }
}
