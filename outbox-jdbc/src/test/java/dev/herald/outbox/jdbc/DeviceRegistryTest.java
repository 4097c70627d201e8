package dev.herald.outbox.jdbc;

import static dev.herald.outbox.jdbc.testing.Fixture.toRecipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.DeliveryState;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.NotificationStatus.DeliveryStatus;
import dev.herald.outbox.jdbc.testing.Fixture;
import dev.herald.outbox.jdbc.testing.OnEachDatabase;
import dev.herald.store.ClaimedDelivery;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The minimal device registry that expansion needs; the full lifecycle has its own suite. */
class DeviceRegistryTest extends OnEachDatabase {
  @Test
  void registerIsAnUpsertThatRevivesAnInvalidDevice() throws Exception {
    DeviceTarget t = new DeviceTarget.FcmToken("token-1");
    Device first = fx.outbox.register("member-1", t);
    assertThat(first.status()).isEqualTo(Device.Status.ACTIVE);
    fx.execute("UPDATE ${p}device SET status = 2, invalid_reason = 'UNREGISTERED'");
    Thread.sleep(5);

    Device again = fx.outbox.register("member-1", t);

    assertThat(again.status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(again.invalidReason()).isNull();
    assertThat(again.registeredAt()).isEqualTo(first.registeredAt());
    assertThat(again.lastSeenAt()).isAfter(first.lastSeenAt());
    assertThat(fx.outbox.devices("member-1")).hasSize(1);
  }

  @Test
  void aDeviceThatMovesToAnotherRecipientIsNotDuplicatedAndDropsWhatWasMeantForTheOldOne() {
    DeviceTarget shared = new DeviceTarget.FcmInstallation("fid-shared");
    fx.outbox.register("alice", shared);
    fx.outbox.enqueue(toRecipient("for-alice", "alice"));
    fx.claimFcm(0); // expands without claiming
    assertThat(fx.outbox.find("for-alice").orElseThrow().deliveries()).hasSize(1);

    fx.outbox.register("bob", shared);

    assertThat(fx.outbox.devices("alice")).isEmpty();
    assertThat(fx.outbox.devices("bob")).singleElement().satisfies(d -> assertThat(d.target()).isEqualTo(shared));
    assertThat(fx.outbox.find("for-alice").orElseThrow().deliveries()).singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(DeliveryState.TARGET_GONE));
    assertThat(fx.claimFcm(10).deliveries()).isEmpty();
  }

  @Test
  void registeringAnInstallationIdRetiresTheTokenItReplaces() {
    DeviceTarget token = new DeviceTarget.FcmToken("legacy-token");
    DeviceTarget fid = new DeviceTarget.FcmInstallation("new-fid");
    fx.outbox.register("carol", token);
    fx.outbox.enqueue(toRecipient("before-migration", "carol"));
    fx.claimFcm(0);

    fx.outbox.register("carol", fid, token);

    assertThat(fx.outbox.find(token).orElseThrow().status()).isEqualTo(Device.Status.RETIRED);
    assertThat(fx.outbox.find(fid).orElseThrow().status()).isEqualTo(Device.Status.ACTIVE);
    List<DeliveryStatus> ds = fx.outbox.find("before-migration").orElseThrow().deliveries();
    assertThat(ds).singleElement().satisfies(d -> assertThat(d.state()).isEqualTo(DeliveryState.TARGET_GONE));
    fx.outbox.enqueue(toRecipient("after-migration", "carol"));
    List<ClaimedDelivery> claimed = fx.claimFcm(10).deliveries();
    assertThat(claimed).extracting(c -> c.delivery().target()).containsExactly(fid);
  }

  @Test
  void unregisterRemovesTheDeviceAndFinishesItsPendingDeliveries() {
    DeviceTarget t = new DeviceTarget.FcmToken("going-away");
    fx.outbox.register("dave", t);
    fx.outbox.enqueue(toRecipient("pending-for-dave", "dave"));
    fx.claimFcm(0);

    assertThat(fx.outbox.unregister(t)).isTrue();
    assertThat(fx.outbox.unregister(t)).isFalse();
    assertThat(fx.outbox.find(t)).isEmpty();
    assertThat(fx.outbox.find("pending-for-dave").orElseThrow().deliveries().get(0).state())
        .isEqualTo(DeliveryState.TARGET_GONE);
  }

  @Test
  void touchUpdatesLastSeenAndRevivesAStaleDevice() throws Exception {
    DeviceTarget t = new DeviceTarget.FcmToken("sleepy");
    Device d = fx.outbox.register("erin", t);
    fx.execute("UPDATE ${p}device SET status = 1");
    Thread.sleep(5);

    assertThat(fx.outbox.touch(t)).isTrue();
    assertThat(fx.outbox.touch(new DeviceTarget.FcmToken("unknown"))).isFalse();
    Device after = fx.outbox.find(t).orElseThrow();
    assertThat(after.status()).isEqualTo(Device.Status.ACTIVE);
    assertThat(after.lastSeenAt()).isAfter(d.lastSeenAt());
  }

  @Test
  void webPushSubscriptionRoundTripsThroughTheRegistry() {
    DeviceTarget sub = new DeviceTarget.WebPushSubscription("https://push.example.net/send/xyz",
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "tBHItJI5svbpez7KI4CCXg");
    fx.outbox.register("frank", sub);
    assertThat(fx.outbox.find(sub).orElseThrow().target()).isEqualTo(sub);
    assertThat(fx.outbox.devices("frank")).extracting(Device::target).containsExactly(sub);
  }

  @Test
  void invalidRecipientIdIsRejectedNamingTheField() {
    assertThatThrownBy(() -> fx.outbox.register("", new DeviceTarget.FcmToken("t")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("recipientId");
    assertThat(fx.count("SELECT COUNT(*) FROM ${p}device")).isZero();
  }
}
