package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toDevice;
import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import java.sql.Connection;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * {@code cancel} on the caller's {@code Connection} or jdbi {@code Handle}, and the bounded
 * {@link OutboxAdmin#backlog(long)} count, on H2 and PostgreSQL.
 */
class CallerTransactionCancelAndBacklogTest extends OnEachDatabase {

  @Test
  void cancelOnTheCallersConnectionExistsOnlyIfItCommits() throws Exception {
    fx.outbox.enqueue(toDevice("rolled-back-cancel"));
    fx.outbox.enqueue(toDevice("committed-cancel"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThat(fx.outbox.cancel(c, "rolled-back-cancel", "schedule cancelled")).isTrue();
      c.rollback();
      assertThat(fx.outbox.cancel(c, "committed-cancel", "schedule cancelled")).isTrue();
      c.commit();
    }

    assertThat(fx.outbox.find("rolled-back-cancel").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(fx.outbox.find("committed-cancel").orElseThrow().deliveries()).singleElement().satisfies(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.CANCELLED);
      assertThat(d.lastError()).isEqualTo("schedule cancelled");
    });
    assertThat(fx.claimFcm(10).deliveries()).extracting(d -> d.delivery().notificationKey())
        .containsExactly("rolled-back-cancel");
  }

  @Test
  void cancelInTheSameTransactionAsTheEnqueueCancelsIt() throws Exception {
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      fx.outbox.enqueue(c, toDevice("created-then-cancelled"));
      fx.outbox.enqueue(c, toRecipient("recipient-then-cancelled", "member-1"));
      assertThat(fx.outbox.cancel(c, "created-then-cancelled")).isTrue();
      assertThat(fx.outbox.cancel(c, "recipient-then-cancelled")).isTrue();
      c.commit();
    }

    assertThat(fx.outbox.find("created-then-cancelled").orElseThrow().deliveries()).singleElement()
        .satisfies(d -> assertThat(d.lastError()).isEqualTo("cancelled by the host"));
    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification WHERE next_at IS NOT NULL")).isZero();
    // The key stays known: a redelivered "created" event after the cancel is a no-op.
    assertThat(fx.outbox.enqueue(toDevice("created-then-cancelled")).duplicate()).isTrue();
  }

  @Test
  void cancelTwiceOrOfAnUnknownKeyIsANoOp() throws Exception {
    fx.outbox.enqueue(toDevice("twice"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThat(fx.outbox.cancel(c, "twice")).isTrue();
      assertThat(fx.outbox.cancel(c, "twice")).isFalse();
      assertThat(fx.outbox.cancel(c, "never-enqueued")).isFalse();
      c.commit();
    }
    assertThat(fx.outbox.find("twice").orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);
  }

  @Test
  void cancelOnAnAutoCommitConnectionRunsInATransactionOfItsOwn() throws Exception {
    fx.outbox.enqueue(toDevice("auto"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(fx.outbox.cancel(c, "auto", "gone")).isTrue();
      assertThat(c.getAutoCommit()).isTrue();
    }
    assertThat(fx.outbox.find("auto").orElseThrow().state()).isEqualTo(DeliveryState.CANCELLED);
  }

  @Test
  void cancelOnAHandleFollowsItsTransaction() {
    fx.outbox.enqueue(toDevice("handle-rolled-back"));
    fx.outbox.enqueue(toDevice("handle-committed"));
    Jdbi jdbi = Jdbi.create(fx.database.dataSource());
    assertThatThrownBy(() -> jdbi.useTransaction(h -> {
      assertThat(fx.outbox.cancel(h, "handle-rolled-back")).isTrue();
      throw new IllegalStateException("business rule failed");
    })).isInstanceOf(IllegalStateException.class);
    jdbi.useTransaction(h -> assertThat(fx.outbox.cancel(h, "handle-committed", "moved")).isTrue());

    assertThat(fx.outbox.find("handle-rolled-back").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(fx.outbox.find("handle-committed").orElseThrow().deliveries()).singleElement()
        .satisfies(d -> assertThat(d.lastError()).isEqualTo("moved"));
  }

  @Test
  void cancelDoesNotInterruptADeliveryInFlight() throws Exception {
    fx.outbox.enqueue(toDevice("in-flight"));
    fx.claimOne();
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThat(fx.outbox.cancel(c, "in-flight")).isFalse();
      c.commit();
    }
    assertThat(fx.outbox.find("in-flight").orElseThrow().state()).isEqualTo(DeliveryState.IN_FLIGHT);
  }

  @Test
  void cancelRefusesNullArguments() {
    assertThatThrownBy(() -> fx.outbox.cancel((Connection) null, "k")).isInstanceOf(NullPointerException.class)
        .hasMessage("connection");
    assertThatThrownBy(() -> fx.outbox.cancel(fx.database.dataSource().getConnection(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("idempotencyKey");
    assertThatThrownBy(() -> fx.outbox.cancel((org.jdbi.v3.core.Handle) null, "k"))
        .isInstanceOf(NullPointerException.class).hasMessage("handle");
  }

  @Test
  void backlogCountsDueUnclaimedDeliveriesAndStopsAtTheLimit() {
    assertThat(fx.outbox.admin().backlog(100)).isZero();
    for (int i = 0; i < 5; i++) {
      fx.outbox.enqueue(toDevice("due-" + i));
    }
    fx.outbox.enqueue(Notification.builder("later-device").recipient(Recipient.device(new DeviceTarget.FcmToken("t-l")))
        .title("t").notBefore(fx.dbNow().plus(Duration.ofHours(1))).build());

    assertThat(fx.outbox.admin().backlog(100)).isEqualTo(5);
    assertThat(fx.outbox.admin().backlog(3)).isEqualTo(3);
    // Claimed deliveries are in the engines' hands, not waiting: they leave the backlog.
    assertThat(fx.claimFcm(2).deliveries()).hasSize(2);
    assertThat(fx.outbox.admin().backlog(100)).isEqualTo(3);
    fx.outbox.cancel("due-4");
    assertThat(fx.outbox.admin().backlog(100)).isEqualTo(2);
  }

  @Test
  void backlogCountsDueNotificationsAwaitingExpansion() {
    for (int i = 0; i < 3; i++) {
      fx.outbox.enqueue(toRecipient("unexpanded-" + i, "member-" + i));
    }
    fx.outbox.enqueue(toDevice("due-device"));
    fx.outbox.enqueue(Notification.builder("later-recipient").recipient(Recipient.id("member-9")).title("t")
        .notBefore(fx.dbNow().plus(Duration.ofHours(1))).build());

    assertThat(fx.outbox.admin().backlog(100)).isEqualTo(4);
    assertThat(fx.outbox.admin().backlog(2)).isEqualTo(2);
    fx.outbox.cancel("unexpanded-0");
    assertThat(fx.outbox.admin().backlog(100)).isEqualTo(3);
  }

  @Test
  void backlogRefusesALimitBelowOne() {
    assertThatThrownBy(() -> fx.outbox.admin().backlog(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("atMost must be >= 1: 0");
  }
}
