package dev.herald.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.testing.InMemoryOutboxStore;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.testing.MutableClock;
import dev.herald.testing.ScriptedTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MicrometerDeliveryListenerTest {
  @Test
  void countsOutcomesByChannelAndTimesSends() {
    MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    InMemoryOutboxStore store = new InMemoryOutboxStore(clock);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ScriptedTransport fcm = new ScriptedTransport(Channel.FCM)
        .then(Outcome.delivered("a")).then(Outcome.retry("503", "busy")).then(Outcome.targetGone("UNREGISTERED", "gone"));
    try (Herald herald = Herald.builder().store(store).transport(fcm).clock(clock)
        .listener(MicrometerDeliveryListener.builder(registry).backlog(() -> 42).build()).build()) {
      for (int i = 0; i < 3; i++) {
        store.enqueue(Notification.builder("k" + i)
            .recipient(Recipient.device(new DeviceTarget.FcmToken("token-" + i + "-abcdefgh"))).title("t").build());
      }
      herald.runOnce();
    }
    assertThat(registry.get("herald.deliveries").tag("channel", "fcm").tag("result", "delivered").counter().count()).isEqualTo(1);
    assertThat(registry.get("herald.deliveries").tag("result", "retry").counter().count()).isEqualTo(1);
    assertThat(registry.get("herald.deliveries").tag("result", "target_gone").counter().count()).isEqualTo(1);
    assertThat(registry.get("herald.send").tag("outcome", "Delivered").timer().count()).isEqualTo(1);
    assertThat(registry.get("herald.in_flight").gauge().value()).isZero();
    assertThat(registry.get("herald.backlog").gauge().value()).isEqualTo(42);
  }

  @Test
  void failingBacklogSupplierReportsNaNInsteadOfThrowing() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerDeliveryListener.builder(registry).backlog(() -> {
      throw new IllegalStateException("db down");
    }).build();
    assertThat(registry.get("herald.backlog").gauge().value()).isNaN();
  }

  @Test
  void sendsNotStartedForTheirLeaseAreCounted() {
    MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    InMemoryOutboxStore store = new InMemoryOutboxStore(clock);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ScriptedTransport fcm = new ScriptedTransport(Channel.FCM).then(new Outcome.NotSent("the lease would end first"));
    try (Herald herald = Herald.builder().store(store).transport(fcm).clock(clock)
        .listener(MicrometerDeliveryListener.of(registry)).build()) {
      store.enqueue(Notification.builder("k").recipient(Recipient.device(new DeviceTarget.FcmToken("token-abcdefgh")))
          .title("t").build());
      herald.runOnce();
    }
    assertThat(registry.get("herald.lease").tag("channel", "fcm").tag("event", "send_not_started").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("herald.deliveries").tag("result", "released").counter().count()).isEqualTo(1);
    assertThat(registry.get("herald.in_flight").gauge().value()).isZero();
  }

  @Test
  void pausedChannelsAreCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerDeliveryListener l = MicrometerDeliveryListener.of(registry);
    l.channelPaused(Channel.WEB_PUSH, Outcome.channelUnavailable("403", "vapid"), Duration.ofSeconds(30));
    assertThat(registry.get("herald.channel.paused").tag("channel", "webpush").counter().count()).isEqualTo(1);
  }
}
