package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.internal.PayloadCodec;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimedDelivery;
import dev.herald.store.Completion;
import dev.herald.store.Resolution;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Stale marking, revival and deletion with the default periods (60 days stale, 30 days retention),
 * by the database's clock: timestamps are moved back with SQL rather than waiting.
 */
class DevicePruningTest extends OnEachDatabase {
  static DeviceTarget fid(String name) {
    return new DeviceTarget.FcmInstallation("fid-" + name + "-0123456789");
  }

  /** Sets a device's timestamp column to {@code days} days before the database's now. */
  private void daysAgo(DeviceTarget t, String column, int days) {
    assertThat(fx.execute("UPDATE ${p}device SET " + column + " = CURRENT_TIMESTAMP - INTERVAL '" + days + "' DAY"
        + " WHERE address_hash = '" + PayloadCodec.addressHash(t) + "'")).isEqualTo(1);
  }

  private Device.Status status(DeviceTarget t) {
    return fx.outbox.find(t).orElseThrow().status();
  }

  private List<DeviceTarget> expandAndClaim(String key, String recipient) {
    fx.outbox.enqueue(toRecipient(key, recipient));
    return fx.claimFcm(100).deliveries().stream().map(c -> c.delivery().target()).toList();
  }

  @Test
  void devicesNotSeenForSixtyDaysAreMarkedStaleAndLeftOutOfExpansion() {
    DeviceTarget quiet = fid("quiet");
    DeviceTarget recent = fid("recent");
    DeviceTarget fresh = fid("fresh");
    for (DeviceTarget t : List.of(quiet, recent, fresh)) {
      fx.outbox.register("member-1", t);
    }
    daysAgo(quiet, "last_seen_at", 61);
    daysAgo(recent, "last_seen_at", 59);

    assertThat(fx.outbox.admin().pruneDevices()).isEqualTo(new PrunedDevices(1, 0));

    assertThat(status(quiet)).isEqualTo(Device.Status.STALE);
    assertThat(status(recent)).isEqualTo(Device.Status.ACTIVE);
    assertThat(expandAndClaim("n1", "member-1")).containsExactlyInAnyOrder(recent, fresh);
    assertThat(fx.outbox.admin().pruneDevices()).as("nothing more to do").isEqualTo(new PrunedDevices(0, 0));
  }

  @Test
  void touchOrRegisterRevivesAStaleDevice() {
    DeviceTarget touched = fid("touched");
    DeviceTarget registered = fid("registered");
    fx.outbox.register("member-1", touched);
    fx.outbox.register("member-1", registered);
    daysAgo(touched, "last_seen_at", 70);
    daysAgo(registered, "last_seen_at", 70);
    fx.outbox.admin().pruneDevices();
    assertThat(expandAndClaim("while-stale", "member-1")).isEmpty();
    assertThat(fx.outbox.find("while-stale").orElseThrow().state()).isEqualTo(DeliveryState.TARGET_GONE);

    assertThat(fx.outbox.touch(touched)).isTrue();
    assertThat(fx.outbox.register("member-1", registered).status()).isEqualTo(Device.Status.ACTIVE);

    assertThat(status(touched)).isEqualTo(Device.Status.ACTIVE);
    assertThat(expandAndClaim("revived", "member-1")).containsExactlyInAnyOrder(touched, registered);
    assertThat(fx.outbox.admin().pruneDevices()).isEqualTo(new PrunedDevices(0, 0));
  }

  @Test
  void invalidRetiredAndStaleDevicesAreDeletedOnlyOnceTheRetentionHasPassed() {
    DeviceTarget invalidOld = fid("invalid-old");
    DeviceTarget invalidRecent = fid("invalid-recent");
    DeviceTarget retiredOld = new DeviceTarget.FcmToken("retired-old-token");
    DeviceTarget staleOld = fid("stale-old");
    DeviceTarget staleRecent = fid("stale-recent");
    DeviceTarget forgotten = fid("forgotten");
    DeviceTarget active = fid("active");
    for (DeviceTarget t : List.of(invalidOld, invalidRecent, retiredOld, staleOld, staleRecent, forgotten, active)) {
      fx.outbox.register("member-" + t.address(), t);
    }
    invalidate(invalidOld);
    invalidate(invalidRecent);
    fx.outbox.register("member-" + retiredOld.address(), fid("replacement"), retiredOld);
    // A retry still waiting for a stale device when it is deleted is finished, not left behind.
    fx.outbox.enqueue(toRecipient("waiting", "member-" + staleOld.address()));
    ClaimedDelivery c = fx.claimOne();
    fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.Retry(Duration.ofHours(1), Outcome.retry("503", "unavailable")))));
    daysAgo(invalidOld, "invalidated_at", 31);
    daysAgo(invalidRecent, "invalidated_at", 29);
    daysAgo(retiredOld, "invalidated_at", 31);
    daysAgo(staleOld, "last_seen_at", 91);
    daysAgo(staleRecent, "last_seen_at", 89);
    daysAgo(forgotten, "last_seen_at", 200);
    fx.execute("UPDATE ${p}device SET status = 1 WHERE address_hash IN ('" + PayloadCodec.addressHash(staleOld) + "', '"
        + PayloadCodec.addressHash(staleRecent) + "')");

    PrunedDevices pruned = fx.outbox.admin().pruneDevices();

    // "forgotten" is marked stale and, not seen for more than 60 + 30 days, deleted in the same pass.
    assertThat(pruned).isEqualTo(new PrunedDevices(1, 4));
    assertThat(fx.outbox.find(invalidOld)).isEmpty();
    assertThat(fx.outbox.find(retiredOld)).isEmpty();
    assertThat(fx.outbox.find(staleOld)).isEmpty();
    assertThat(fx.outbox.find(forgotten)).isEmpty();
    assertThat(status(invalidRecent)).isEqualTo(Device.Status.INVALID);
    assertThat(status(staleRecent)).isEqualTo(Device.Status.STALE);
    assertThat(status(active)).isEqualTo(Device.Status.ACTIVE);
    assertThat(fx.outbox.find("waiting").orElseThrow().deliveries()).singleElement().satisfies(d -> {
      assertThat(d.state()).isEqualTo(DeliveryState.TARGET_GONE);
      assertThat(d.lastError()).isEqualTo("device pruned");
    });
  }

  @Test
  void shorterPeriodsAndSmallBatchesPruneEverythingDue() {
    JdbcOutbox outbox = fx.another(b -> b.staleAfter(Duration.ofDays(1)).deviceRetention(Duration.ZERO).purgeBatchSize(2));
    for (int i = 0; i < 5; i++) {
      fx.outbox.register("member-1", fid("d" + i));
      daysAgo(fid("d" + i), "last_seen_at", 2);
    }
    fx.outbox.register("member-1", fid("today"));

    assertThat(outbox.admin().pruneDevices()).isEqualTo(new PrunedDevices(5, 5));
    assertThat(fx.outbox.devices("member-1")).extracting(Device::target).containsExactly(fid("today"));
  }

  @Test
  void thePeriodicPurgeAlsoPrunesDevices() throws Exception {
    DeviceTarget quiet = fid("quiet");
    fx.outbox.register("member-1", quiet);
    daysAgo(quiet, "last_seen_at", 61);
    JdbcOutbox outbox = fx.another(b -> b.purgeInterval(Duration.ofMillis(50)));
    // Housekeeping runs while an engine runs on the outbox: what an engine's start does.
    dev.herald.store.OutboxStore.Running engine = outbox.start(() -> {});

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (status(quiet) != Device.Status.STALE && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    engine.close();
    assertThat(status(quiet)).isEqualTo(Device.Status.STALE);
  }

  @Test
  void builderRejectsBadDevicePeriodsNamingThem() {
    var b = JdbcOutbox.builder(fx.database.dataSource());
    assertThatThrownBy(() -> b.staleAfter(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("staleAfter must be > 0 and <= PT87600H: PT0S");
    assertThatThrownBy(() -> b.staleAfter(null)).isInstanceOf(NullPointerException.class).hasMessage("staleAfter");
    assertThatThrownBy(() -> b.deviceRetention(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deviceRetention must be >= 0 and <= PT87600H: PT-1S");
    assertThatThrownBy(() -> b.validator(null)).isInstanceOf(NullPointerException.class).hasMessage("validator");
    assertThat(JdbcOutbox.DEFAULT_STALE_AFTER).isEqualTo(Duration.ofDays(60));
    assertThat(JdbcOutbox.DEFAULT_DEVICE_RETENTION).isEqualTo(Duration.ofDays(30));
  }

  private void invalidate(DeviceTarget t) {
    fx.outbox.enqueue(dev.herald.Notification.builder("gone-" + t.address()).recipient(dev.herald.Recipient.device(t))
        .title("t").build());
    ClaimedDelivery c = fx.claimOne();
    fx.outbox.complete(List.of(new Completion(c.delivery().deliveryId(), c.fencingToken(),
        new Resolution.TargetGone(new Outcome.TargetGone("UNREGISTERED", "gone"), true))));
    assertThat(status(t)).isEqualTo(Device.Status.INVALID);
  }
}
