package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.testing.InMemoryOutboxStore;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Recipient;
import dev.herald.testing.RecordingListener;
import dev.herald.testing.webpush.FakePushService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine and the Web Push transport together, when one browser's subscription was made with an
 * old application server key: the push service answers 403 for it alone. While other messages keep
 * flowing, that subscription's message must end as a dead letter that says why, after at most one
 * pause of the channel, and every other browser must get its messages.
 */
class StaleSubscriptionEngineTest {
  @Test
  void oneStaleSubscriptionIsDeadLetteredAndDoesNotHoldTheChannel() throws Exception {
    VapidKeys keys = VapidKeys.generate();
    RecordingListener listener = new RecordingListener();
    try (FakePushService push = FakePushService.builder().applicationServerKey(keys.publicKeyBase64Url()).build();
        WebPushTransport transport = WebPushTransport.builder().vapidKeys(keys).subject("mailto:push-ops@herald.dev")
            .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build()).build()) {
      List<DeviceTarget.WebPushSubscription> browsers = new ArrayList<>();
      // The first browser subscribed with a key the application has since replaced: its push service answers 403.
      browsers.add(push.subscribe(VapidKeys.generate().publicKeyBase64Url()));
      for (int i = 1; i < 10; i++) {
        browsers.add(push.subscribe());
      }

      try (Herald herald = Herald.builder().store(new InMemoryOutboxStore()).transport(transport).listener(listener)
          .pollInterval(Duration.ofMillis(50)).channelPause(Duration.ofMillis(300)).build()) {
        for (int i = 0; i < browsers.size(); i++) {
          enqueue(herald, "starts-" + i, browsers.get(i));
        }
        herald.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (listener.events("paused").isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        // Traffic goes on: the next messages to the other browsers are sent after the refusal came
        // back, and their acceptance shows that our credentials work at this push service.
        for (int i = 1; i < browsers.size(); i++) {
          enqueue(herald, "reminder-" + i, browsers.get(i));
        }
        while (!allFinished(herald, browsers.size()) && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }

        NotificationStatus stale = herald.find("starts-0").orElseThrow();
        assertThat(stale.state()).isEqualTo(DeliveryState.DEAD);
        assertThat(stale.deliveries().get(0).attempts()).isEqualTo(1);
        assertThat(stale.deliveries().get(0).lastError()).contains("403").contains("for this subscription only");
        for (int i = 1; i < browsers.size(); i++) {
          assertThat(herald.find("starts-" + i).orElseThrow().state()).as("browser %d", i).isEqualTo(DeliveryState.DELIVERED);
          assertThat(herald.find("reminder-" + i).orElseThrow().state()).as("browser %d", i).isEqualTo(DeliveryState.DELIVERED);
        }
        assertThat(listener.events("paused")).hasSizeLessThanOrEqualTo(1);
        assertThat(push.problems()).allMatch(p -> p.contains("not the applicationServerKey"));
        assertThat(push.received(browsers.get(0))).isEmpty();
      }
    }
  }

  private static void enqueue(Herald herald, String key, DeviceTarget browser) {
    herald.enqueue(Notification.builder(key).recipient(Recipient.device(browser)).title("Your schedule starts now").build());
  }

  private static boolean allFinished(Herald herald, int n) {
    for (int i = 0; i < n; i++) {
      for (String key : i == 0 ? List.of("starts-0") : List.of("starts-" + i, "reminder-" + i)) {
        if (!herald.find(key).map(NotificationStatus::state).orElse(DeliveryState.PENDING).terminal()) {
          return false;
        }
      }
    }
    return true;
  }
}
