package dev.herald.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.testing.InMemoryOutboxStore;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.Scope;
import dev.herald.spi.InputValidator;
import dev.herald.testing.MutableClock;
import dev.herald.testing.ScriptedTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
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
  void pausedScopesAreCountedAndShownByName() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerDeliveryListener l = MicrometerDeliveryListener.of(registry);
    Scope apple = Scope.of(Channel.WEB_PUSH, "https://web.push.apple.com#2026");
    l.scopePaused(apple, Outcome.channelUnavailable("403", "vapid"), Duration.ofSeconds(30));
    l.scopePaused(Scope.of(Channel.FCM), Outcome.channelUnavailable("401", "token"), Duration.ofSeconds(30));
    assertThat(registry.get("herald.channel.paused").tag("channel", "webpush").tag("scope", apple.name()).counter().count())
        .isEqualTo(1);
    assertThat(registry.get("herald.channel.paused").tag("channel", "fcm").tag("scope", "*").counter().count()).isEqualTo(1);
    assertThat(registry.get("herald.scope.paused").tag("scope", apple.name()).gauge().value()).isEqualTo(1);
    l.scopeResumed(apple);
    assertThat(registry.get("herald.scope.paused").tag("scope", apple.name()).gauge().value()).isZero();
    assertThat(registry.get("herald.scope.paused").tag("channel", "fcm").gauge().value()).isEqualTo(1);
  }

  @Test
  void theEnginesPauseOfOneScopeShowsInTheGaugesOfThatScopeAlone() {
    MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    ScriptedTransport fcm = new ScriptedTransport(Channel.FCM)
        .scopedBy(t -> Scope.of(Channel.FCM, t.address().startsWith("staff") ? "staff" : "customer"))
        .always(d -> java.util.concurrent.CompletableFuture.completedFuture(d.scope().name().equals("staff")
            ? Outcome.channelUnavailable("401", "invalid_grant") : Outcome.delivered("ok")));
    InMemoryOutboxStore store = new InMemoryOutboxStore(clock).scopes(InputValidator.of(List.of(fcm)));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Herald herald = Herald.builder().store(store).transport(fcm).clock(clock).channelPause(Duration.ofSeconds(30))
        .listener(MicrometerDeliveryListener.of(registry)).build()) {
      for (String app : List.of("staff", "customer")) {
        for (int i = 0; i < 3; i++) {
          store.enqueue(Notification.builder(app + i)
              .recipient(Recipient.device(new DeviceTarget.FcmToken(app + "-token-" + i + "-abcdefgh"))).title("t").build());
        }
      }
      herald.drain(5);
      assertThat(registry.get("herald.scope.paused").tag("scope", "staff").gauge().value()).isEqualTo(1);
      assertThat(registry.find("herald.scope.paused").tag("scope", "customer").gauge()).as("never paused").isNull();
      assertThat(registry.get("herald.channel.paused").tag("scope", "staff").counter().count()).isEqualTo(1);
      assertThat(registry.get("herald.deliveries").tag("result", "delivered").counter().count()).isEqualTo(3);
      assertThat(registry.get("herald.scope.in_flight").tag("scope", "staff").gauge().value()).isZero();
      assertThat(registry.get("herald.scope.in_flight").tag("scope", "customer").gauge().value()).isZero();
      clock.advance(Duration.ofSeconds(30));
      fcm.always(Outcome.delivered("fixed"));
      herald.drain(5);
      assertThat(registry.get("herald.scope.paused").tag("scope", "staff").gauge().value()).isZero();
    }
  }
}
