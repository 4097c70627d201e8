package dev.herald.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.CollapseKeys;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.reliability.support.Devices;
import dev.herald.reliability.support.Figures;
import dev.herald.reliability.support.H2;
import dev.herald.reliability.support.Ledger;
import dev.herald.reliability.support.OutboxProbe;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.Waits;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.webpush.VapidKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The device side of guarantee 5 for a device that is offline while its notifications are sent: an
 * Android phone (FCM) and a Chrome browser (Web Push through FCM) each miss six notifications, and
 * every one must reach them when they come back, because Herald names no push-service collapse key
 * of its own. The fakes keep messages for an offline device by FCM's documented rule: at most four
 * different collapse keys, every non-collapsible message up to 100. Two controls show that the rule
 * bites: six notifications that each name their own collapse key (what Herald used to send) lose
 * two, and six that share a host-named key ("only the latest score matters") arrive as one.
 */
class OfflineDeviceTest {
  private static final int WHILE_OFFLINE = 6;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void everyNotificationSentWhileADeviceWasOfflineArrivesWhenItComesBack() {
    Figures fig = new Figures("offline-device");
    Ledger ledger = new Ledger(true);
    VapidKeys vapid = VapidKeys.generate();
    try (HikariDataSource ds = H2.create("offline");
        Devices devices = new Devices(ledger, vapid.publicKeyBase64Url())) {
      JdbcHerald herald = Stacks.herald(ds, "offline")
          .transport(Stacks.webPush(vapid, Duration.ofSeconds(5), 16))
          .transport(Stacks.fcm(devices.fcm().serviceAccountJson(), devices.fcm().baseUrl(), Duration.ofSeconds(5), 16))
          .build();
      herald.migrate();
      OutboxProbe probe = new OutboxProbe(ds);
      // Three members, each with an Android phone and a Chrome browser, all offline.
      Map<String, List<String>> devicesOf = new LinkedHashMap<>();
      for (String member : List.of("default", "own-keys", "score")) {
        herald.devices().register(member, Devices.phone(member));
        herald.devices().register(member, devices.browser(member));
        devices.fcm().offline(Devices.phone(member).token());
        devices.webPush().offline(devices.browserOf(member));
        devicesOf.put(member, List.of("android", "chrome"));
      }
      Map<String, List<String>> keysOf = new LinkedHashMap<>();
      List<Notification> batch = new ArrayList<>();
      for (String member : devicesOf.keySet()) {
        List<String> keys = new ArrayList<>();
        for (int i = 1; i <= WHILE_OFFLINE; i++) {
          String key = member + ":reminder-" + i;
          keys.add(key);
          Notification.Builder b = Notification.builder(key).recipient(Recipient.id(member)).title("Reminder " + i)
              .body("Notification " + key).data(Devices.KEY_FIELD, key);
          String collapseKey = switch (member) {
            case "own-keys" -> CollapseKeys.fromIdempotencyKey(key); // one key per notification
            case "score" -> "score";
            default -> null;
          };
          if (collapseKey != null) {
            b.collapseKey(collapseKey);
            ledger.expectCollapseKey(key, collapseKey);
          }
          batch.add(b.build());
        }
        keysOf.put(member, keys);
      }
      herald.start();
      try {
        herald.enqueueAll(batch);
        herald.wakeUp();
        int total = devicesOf.size() * 2 * WHILE_OFFLINE;
        Waits.until(Duration.ofSeconds(90), () -> probe.open() == 0,
            () -> "open " + probe.open() + ", by state " + probe.deliveriesByState());
        long reachedWhileOffline = ledger.reachedDevices();

        Map<String, Integer> reachedOnReconnect = new LinkedHashMap<>();
        for (String member : devicesOf.keySet()) {
          reachedOnReconnect.put("android " + member, devices.fcm().online(Devices.phone(member).token()).size());
          reachedOnReconnect.put("chrome " + member, devices.webPush().online(devices.browserOf(member)).size());
        }
        Map<String, Long> visible = new LinkedHashMap<>();
        for (String member : devicesOf.keySet()) {
          visible.put(member, keysOf.get(member).stream().mapToLong(ledger::visibleNotifications).sum());
        }

        fig.put("devices offline (Android via FCM, Chrome via Web Push)", devicesOf.size() * 2);
        fig.put("notifications sent to each device while offline", WHILE_OFFLINE);
        fig.put("accepted by the push services while offline", ledger.accepted());
        fig.put("reached a device while offline", reachedWhileOffline);
        fig.put("reached each device on reconnect", reachedOnReconnect);
        fig.put("visible after reconnect per member (two devices)", visible);
        fig.put("requests carrying another id, tag or collapse key than their key's", ledger.collapseMismatches());
        fig.put("deliveries by state", probe.deliveriesByState());
        fig.write();

        assertThat(probe.deliveredKeys()).isEqualTo(batch.size());
        assertThat(probe.lost()).isZero();
        assertThat(ledger.accepted()).isEqualTo(total);
        assertThat(reachedWhileOffline).as("nothing reaches an offline device").isZero();
        assertThat(ledger.collapseMismatches()).isZero();
        // Herald's default: no push-service collapse key, so every notification is kept and arrives.
        assertThat(reachedOnReconnect.get("android default")).isEqualTo(WHILE_OFFLINE);
        assertThat(reachedOnReconnect.get("chrome default")).isEqualTo(WHILE_OFFLINE);
        assertThat(keysOf.get("default")).allSatisfy(k -> assertThat(ledger.visibleNotifications(k)).as(k).isEqualTo(2));
        // A collapse key per notification: FCM keeps four keys per offline device, two are lost.
        assertThat(reachedOnReconnect.get("android own-keys")).isEqualTo(FakeFcm.MAX_STORED_COLLAPSE_KEYS);
        assertThat(reachedOnReconnect.get("chrome own-keys")).isEqualTo(FakeFcm.MAX_STORED_COLLAPSE_KEYS);
        // A key the host named for replacement: only the latest pending one is kept, and shown.
        assertThat(reachedOnReconnect.get("android score")).isEqualTo(1);
        assertThat(reachedOnReconnect.get("chrome score")).isEqualTo(1);
        assertThat(visible.get("score")).isEqualTo(2);
      } finally {
        herald.close();
      }
    }
  }
}
