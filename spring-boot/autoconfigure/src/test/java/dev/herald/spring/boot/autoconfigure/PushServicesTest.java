package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.examples.sim.SimulatedFcm;
import dev.herald.examples.sim.SimulatedWebPushService;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.webpush.VapidKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The FCM and Web Push transports built from properties alone send real HTTP requests: to the demo's
 * simulated FCM (which checks the OAuth2 flow) and push service (which decrypts what it receives).
 * Credentials are given as files, by {@code file:} location and by plain path.
 */
class PushServicesTest {

  @ParameterizedTest
  @EnumSource(Db.class)
  void credentialsFromFilesAndAReminderToEveryDevice(Db db, @TempDir Path dir) throws Exception {
    try (SimulatedFcm fcm = new SimulatedFcm(); SimulatedWebPushService push = new SimulatedWebPushService()) {
      List<String> received = new CopyOnWriteArrayList<>();
      fcm.onMessage(m -> received.add("fcm " + ((java.util.Map<?, ?>) m.get("notification")).get("title")));
      push.onMessage((topic, text) -> received.add("webpush " + text));
      Path account = Files.writeString(dir.resolve("firebase.json"), fcm.serviceAccountJson());
      Path vapid = Files.writeString(dir.resolve("vapid.pem"), VapidKeys.generate().toPem());
      Runners.jdbc(db).withPropertyValues(
              "herald.fcm.service-account=file:" + account.toAbsolutePath(),
              "herald.fcm.base-url=" + fcm.baseUrl(),
              "herald.web-push.vapid.private-key=" + vapid.toAbsolutePath(),
              "herald.web-push.subject=mailto:ops@herald.dev",
              "herald.web-push.endpoint-policy.allow-http=true",
              "herald.web-push.endpoint-policy.allow-loopback=true")
          .run(ctx -> {
            assertThat(ctx).hasNotFailed();
            JdbcHerald herald = ctx.getBean(JdbcHerald.class);
            herald.devices().register("member-7", new DeviceTarget.FcmInstallation("cPh0neFid_Demo-0123456"));
            herald.devices().register("member-7", push.subscribe("laptop"));
            herald.enqueue(Notification.builder("yoga").recipient(Recipient.id("member-7")).title("Yoga starts now").build());
            Await.until("delivered to both devices",
                () -> herald.find("yoga").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false),
                () -> herald.find("yoga").toString());
            assertThat(received).contains("fcm Yoga starts now").anyMatch(m -> m.startsWith("webpush ")
                && m.contains("Yoga starts now"));
          });
    }
  }
}
