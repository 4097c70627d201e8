package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.testing.Db;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.StrictWebPush;
import dev.herald.testing.webpush.PushSubscriber;
import dev.herald.store.ClaimBatch;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.spi.InputValidator;
import dev.herald.store.Resolution;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The device lifecycle beyond the registry basics ({@link DeviceRegistryTest}): moves, revival,
 * retirement of a replaced token, the caller's transaction, validation, and expansion meeting a
 * concurrent change.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Db.class)
class DeviceLifecycleTest {
  static final DeviceTarget TOKEN = new DeviceTarget.FcmToken("fLegacyToken:APA91bExample");
  static final DeviceTarget FID = new DeviceTarget.FcmInstallation("cFid0123456789abcdefgh");
  static final DeviceTarget OTHER = new DeviceTarget.FcmInstallation("cOtherFid0123456789abc");

  @Parameter
  Db db;

  Fixture fx;

  @BeforeEach
  void setUp() {
    fx = new Fixture(db, b -> b.validator(InputValidator.of(List.of(new StrictWebPush(), new FcmOnly()))));
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  // ---------------------------------------------------------------- upsert, moves, revival

  @Test
  void aTokenThatMovesToAnotherRecipientMovesAndLeavesTheOldRecipientsNotificationsBehind() {
    fx.outbox.register("member-1", TOKEN);
    fx.outbox.enqueue(toRecipient("for-member-1", "member-1"));
    waitForRetry(fx.claimOne());

    Device moved = fx.outbox.register("member-2", TOKEN);

    assertThat(moved.recipientId()).isEqualTo("member-2");
    assertThat(fx.outbox.devices("member-1")).isEmpty();
    assertThat(fx.outbox.devices("member-2")).singleElement().extracting(Device::target).isEqualTo(TOKEN);
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}device")).isEqualTo(1);
    DeliveryStatus left = only("for-member-1");
    assertThat(left.state()).isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(left.lastError()).isEqualTo("device moved to another recipient");
    makeEverythingDue();
    assertThat(fx.claimFcm(10).deliveries()).as("member-1's notification never reaches member-2's device").isEmpty();
  }

  @Test
  void registerRevivesAnInvalidDevice() {
    fx.outbox.register("member-1", TOKEN);
    fx.outbox.enqueue(toRecipient("gone", "member-1"));
    complete(fx.claimOne(), new Resolution.TargetGone(new Outcome.TargetGone("UNREGISTERED", "not registered"), true));
    assertThat(fx.outbox.find(TOKEN).orElseThrow().status()).isEqualTo(Device.Status.INVALID);

    Device revived = fx.outbox.register("member-1", TOKEN);

    assertThat(revived.status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(revived.invalidatedAt()).isNull();
    assertThat(revived.invalidReason()).isNull();
    fx.outbox.enqueue(toRecipient("back", "member-1"));
    assertThat(fx.claimOne().delivery().target()).isEqualTo(TOKEN);
  }

  @Test
  void touchUpdatesLastSeenButRevivesNeitherAnInvalidNorARetiredDevice() throws Exception {
    Device before = fx.outbox.register("member-1", TOKEN);
    Thread.sleep(5);
    assertThat(fx.outbox.touch(TOKEN)).isTrue();
    assertThat(fx.outbox.find(TOKEN).orElseThrow().lastSeenAt()).isAfter(before.lastSeenAt());

    fx.outbox.enqueue(toRecipient("gone", "member-1"));
    complete(fx.claimOne(), new Resolution.TargetGone(new Outcome.TargetGone("410", "Gone"), true));
    assertThat(fx.outbox.touch(TOKEN)).isTrue();
    assertThat(fx.outbox.find(TOKEN).orElseThrow().status()).isEqualTo(Device.Status.INVALID);

    fx.outbox.register("member-1", FID, TOKEN);
    fx.outbox.touch(TOKEN);
    assertThat(fx.outbox.find(TOKEN).orElseThrow().status()).isEqualTo(Device.Status.RETIRED);
  }

  // ---------------------------------------------------------------- FID migration

  @Test
  void registeringAnInstallationIdThatReplacesATokenRetiresTheTokenAtOnce() {
    fx.outbox.register("member-1", TOKEN);
    fx.outbox.enqueue(toRecipient("before", "member-1"));
    waitForRetry(fx.claimOne());

    Device fid = fx.outbox.register("member-1", FID, TOKEN);

    assertThat(fid.status()).isEqualTo(Device.Status.ACTIVE);
    Device token = fx.outbox.find(TOKEN).orElseThrow();
    assertThat(token.status()).isEqualTo(Device.Status.RETIRED);
    assertThat(token.invalidatedAt()).isNotNull();
    assertThat(token.invalidReason()).isEqualTo("replaced by a newer identity of the same app instance (fid)");
    assertThat(only("before").state()).as("the token's retry is not sent").isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(only("before").lastError()).startsWith("device retired");

    fx.outbox.enqueue(toRecipient("after", "member-1"));
    makeEverythingDue();
    assertThat(fx.claimFcm(10).deliveries()).extracting(c -> c.delivery().target()).containsExactly(FID);
    assertThat(fx.outbox.devices("member-1")).extracting(Device::target, Device::status)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(TOKEN, Device.Status.RETIRED),
            org.assertj.core.groups.Tuple.tuple(FID, Device.Status.ACTIVE));
  }

  @Test
  void replacingAnUnknownTokenJustRegistersAndATokenUnderAnotherRecipientIsRetiredToo() {
    assertThat(fx.outbox.register("member-1", FID, TOKEN).status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(fx.outbox.find(TOKEN)).isEmpty();

    fx.outbox.register("member-9", OTHER);
    fx.outbox.register("member-1", new DeviceTarget.FcmInstallation("cThirdFid0123456789ab"), OTHER);
    assertThat(fx.outbox.find(OTHER).orElseThrow().status()).isEqualTo(Device.Status.RETIRED);
  }

  @Test
  void aRetiredTokenRegisteredAgainIsActiveAgain() {
    fx.outbox.register("member-1", TOKEN);
    fx.outbox.register("member-1", FID, TOKEN);
    assertThat(fx.outbox.register("member-1", TOKEN).status()).isEqualTo(Device.Status.ACTIVE);
  }

  // ---------------------------------------------------------------- the caller's transaction

  @Test
  void registerOnTheCallersConnectionExistsOnlyIfItCommits() throws Exception {
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      fx.outbox.register(c, "member-1", TOKEN);
      assertThat(fx.outbox.find(TOKEN)).as("not visible before commit").isEmpty();
      c.rollback();
      assertThat(fx.outbox.find(TOKEN)).isEmpty();

      Device d = fx.outbox.register(c, "member-1", TOKEN);
      fx.outbox.register(c, "member-1", FID, TOKEN);
      c.commit();
      assertThat(d.status()).isEqualTo(Device.Status.ACTIVE);
      assertThat(fx.outbox.find(TOKEN).orElseThrow().status()).isEqualTo(Device.Status.RETIRED);
      assertThat(fx.outbox.find(FID).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
      assertThat(c.getAutoCommit()).as("the caller's mode is left alone").isFalse();
    }
  }

  @Test
  void touchAndUnregisterOnTheCallersConnectionRollBackWithIt() throws Exception {
    Device before = fx.outbox.register("member-1", TOKEN);
    Thread.sleep(5);
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThat(fx.outbox.touch(c, TOKEN)).isTrue();
      assertThat(fx.outbox.unregister(c, TOKEN)).isTrue();
      c.rollback();
    }
    assertThat(fx.outbox.find(TOKEN).orElseThrow().lastSeenAt()).isEqualTo(before.lastSeenAt());

    try (Connection c = fx.database.dataSource().getConnection()) {
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(fx.outbox.unregister(c, TOKEN)).as("auto-commit: its own transaction").isTrue();
    }
    assertThat(fx.outbox.find(TOKEN)).isEmpty();
  }

  @Test
  void registerTouchAndUnregisterJoinAJdbiHandlesTransaction() {
    Jdbi jdbi = Jdbi.create(fx.database.dataSource());
    assertThatThrownBy(() -> jdbi.useTransaction(h -> {
      fx.outbox.register(h, "member-1", TOKEN);
      throw new IllegalStateException("the host's own work failed");
    })).hasMessage("the host's own work failed");
    assertThat(fx.outbox.find(TOKEN)).isEmpty();

    jdbi.useTransaction(h -> {
      fx.outbox.register(h, "member-1", TOKEN);
      fx.outbox.register(h, "member-1", FID, TOKEN);
      fx.outbox.touch(h, FID);
    });
    assertThat(fx.outbox.find(FID).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
    jdbi.useTransaction(h -> fx.outbox.unregister(h, FID));
    assertThat(fx.outbox.find(FID)).isEmpty();
  }

  // ---------------------------------------------------------------- validation: nothing stored

  @Test
  void aSubscriptionTheEndpointPolicyForbidsIsRefusedAndNothingIsStored() throws Exception {
    DeviceTarget forbidden = PushSubscriber.generate().subscriptionAt("https://internal.example.com/push/abc");

    assertThatThrownBy(() -> fx.outbox.register("member-1", forbidden)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("endpoint host is not allowed by the endpoint policy: internal.example.com")
        .satisfies(e -> assertThat(((InvalidInputException) e).fields()).containsExactly("endpoint"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> fx.outbox.register(c, "member-1", forbidden)).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> fx.outbox.register(c, "member-1", forbidden, TOKEN)).isInstanceOf(InvalidInputException.class);
      c.commit();
    }
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}device")).isZero();

    DeviceTarget allowed = PushSubscriber.generate().subscriptionAt("https://" + StrictWebPush.ALLOWED_HOST + "/push/abc");
    assertThat(fx.outbox.register("member-1", allowed).status()).isEqualTo(Device.Status.ACTIVE);
  }

  @Test
  void aChannelWithoutATransportAndAnInvalidRecipientIdAreRefused() {
    DeviceTarget sms = new DeviceTarget.Custom(Channel.of("sms"), "+15550100");
    assertThatThrownBy(() -> fx.outbox.register("member-1", sms)).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields()).containsExactly("channel"));
    assertThatThrownBy(() -> fx.outbox.register("", TOKEN)).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields()).containsExactly("recipientId"));
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}device")).isZero();
  }

  @Test
  void everyEnqueueRefusesWhatTheValidatorRefusesAndStoresNoneOfTheBatch() throws Exception {
    Notification tooBig = Notification.builder("too-big").recipient(Recipient.id("member-1")).title("t")
        .body("x".repeat(StrictWebPush.MAX_BODY + 1)).build();
    Notification forbidden = Notification.builder("forbidden")
        .recipient(Recipient.device(PushSubscriber.generate().subscriptionAt("https://internal.example.com/push/1")))
        .title("t").build();
    Notification fine = toRecipient("fine", "member-1");

    assertThatThrownBy(() -> fx.outbox.enqueue(tooBig)).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields()).containsExactly("payload"));
    assertThatThrownBy(() -> fx.outbox.enqueueAll(List.of(fine, forbidden))).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).fields()).containsExactly("endpoint"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> fx.outbox.enqueue(c, tooBig)).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> fx.outbox.enqueueAll(c, List.of(fine, tooBig))).isInstanceOf(InvalidInputException.class);
      c.commit();
    }
    Jdbi jdbi = Jdbi.create(fx.database.dataSource());
    jdbi.useTransaction(h -> {
      assertThatThrownBy(() -> fx.outbox.enqueue(h, forbidden)).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> fx.outbox.enqueueAll(h, List.of(fine, forbidden))).isInstanceOf(InvalidInputException.class);
    });

    assertThat(fx.count("SELECT COUNT(*) FROM ${p}notification")).isZero();
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}dedup")).isZero();
    assertThat(fx.outbox.enqueue(fine).created()).isTrue();
  }

  // ---------------------------------------------------------------- expansion meets a concurrent change

  @Test
  void anExpansionThatMeetsAnUncommittedMoveWaitsAndLeavesTheMovedDeviceOut() throws Exception {
    fx.outbox.register("member-1", TOKEN);
    fx.outbox.enqueue(toRecipient("race-move", "member-1"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      fx.outbox.register(c, "member-2", TOKEN); // holds the device row until commit
      CompletableFuture<ClaimBatch> claim = CompletableFuture.supplyAsync(() -> fx.claimFcm(10));
      Thread.sleep(300);
      assertThat(claim).as("expansion waits for the device row").isNotDone();
      c.commit();

      assertThat(claim.get(10, TimeUnit.SECONDS).deliveries()).isEmpty();
    }
    assertThat(fx.outbox.find("race-move").orElseThrow().state()).isEqualTo(DeliveryState.TARGET_GONE);
    assertThat(fx.outbox.find("race-move").orElseThrow().deliveries()).isEmpty();
  }

  @Test
  void anExpansionThatMeetsAnUncommittedRetirementSendsOnlyToTheReplacement() throws Exception {
    fx.outbox.register("member-1", TOKEN);
    fx.outbox.enqueue(toRecipient("race-retire", "member-1"));
    try (Connection c = fx.database.dataSource().getConnection()) {
      c.setAutoCommit(false);
      fx.outbox.register(c, "member-1", FID, TOKEN);
      CompletableFuture<ClaimBatch> claim = CompletableFuture.supplyAsync(() -> fx.claimFcm(10));
      Thread.sleep(300);
      assertThat(claim).isNotDone();
      c.commit();

      // The FID was inserted by the transaction the expansion waited for; whether the expansion
      // saw it depends on its snapshot, but it must never include the retired token.
      assertThat(claim.get(10, TimeUnit.SECONDS).deliveries()).extracting(cd -> cd.delivery().target())
          .doesNotContain(TOKEN);
    }
  }

  // ---------------------------------------------------------------- helpers

  private DeliveryStatus only(String key) {
    return fx.outbox.find(key).orElseThrow().deliveries().get(0);
  }

  private void complete(ClaimedDelivery c, Resolution r) {
    assertThat(fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(), r)))).isEmpty();
  }

  /** Leaves the delivery pending, due in an hour (a retry waiting for its time). */
  private void waitForRetry(ClaimedDelivery c) {
    complete(c, new Resolution.Retry(Duration.ofHours(1), Outcome.retry("503", "Service Unavailable")));
  }

  private void makeEverythingDue() {
    fx.execute("UPDATE ${p}delivery SET next_at = CURRENT_TIMESTAMP WHERE next_at IS NOT NULL");
  }

  /** Accepts FCM targets as they are. */
  static final class FcmOnly implements dev.herald.spi.Transport {
    @Override
    public Channel channel() {
      return Channel.FCM;
    }

    @Override
    public java.util.concurrent.CompletionStage<Outcome> send(dev.herald.Delivery delivery) {
      return CompletableFuture.completedFuture(Outcome.delivered(null));
    }
  }
}
