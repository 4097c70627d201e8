package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.testing.webpush.PushRequest;
import dev.herald.webpush.VapidKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The FCM and Web Push transports built from properties alone send real HTTP requests: to
 * herald-testing's fake FCM (which verifies the OAuth2 assertion) and push service (which checks the
 * VAPID key and decrypts what it receives). Credentials are given as files, by {@code file:}
 * location and by plain path.
 */
class PushServicesTest {

  @ParameterizedTest
  @EnumSource(Db.class)
  void credentialsFromFilesAndAReminderToEveryDevice(Db db, @TempDir Path dir) throws Exception {
    VapidKeys keys = VapidKeys.generate();
    try (FakeFcm fcm = FakeFcm.start();
         FakePushService push = FakePushService.builder().applicationServerKey(keys.publicKeyBase64Url()).build()) {
      Path account = Files.writeString(dir.resolve("firebase.json"), fcm.serviceAccountJson());
      Path vapid = Files.writeString(dir.resolve("vapid.pem"), keys.toPem());
      DeviceTarget.WebPushSubscription laptop = push.subscribe();
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
            herald.devices().register("member-7", laptop);
            herald.enqueue(Notification.builder("yoga").recipient(Recipient.id("member-7")).title("Yoga starts now").build());
            Await.until("delivered to both devices",
                () -> herald.find("yoga").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false),
                () -> herald.find("yoga").toString());
            assertThat(fcm.requests()).singleElement().satisfies(r -> {
              assertThat(r.accepted()).as(r.toString()).isTrue();
              assertThat(r.target()).isEqualTo("cPh0neFid_Demo-0123456");
              assertThat(r.object("notification")).containsEntry("title", "Yoga starts now");
            });
            assertThat(fcm.tokenRequests()).isNotEmpty().allSatisfy(t -> assertThat(t.problem()).isNull());
            assertThat(push.received(laptop)).singleElement().extracting(PushRequest::text)
                .asString().contains("Yoga starts now");
            assertThat(push.problems()).isEmpty();
          });
    }
  }
}
