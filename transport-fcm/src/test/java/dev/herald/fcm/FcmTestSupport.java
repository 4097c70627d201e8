package dev.herald.fcm;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.testing.MutableClock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fake Google and a settable clock per test; transports built on them are closed afterwards. */
abstract class FcmTestSupport {
  static final String KEY = "order-42:shipped";
  static final String DEVICE_TOKEN = "dXNlci10b2tlbi1mb3ItdGVzdHM:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";
  static final String FID = "cR_8tH2bRk-dV9Qw1cXyZa";

  MutableClock clock;
  FakeGoogle google;
  private final java.util.List<FcmTransport> transports = new java.util.ArrayList<>();

  @BeforeEach
  void startFakeGoogle() throws Exception {
    clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    google = new FakeGoogle(clock);
  }

  @AfterEach
  void stopFakeGoogle() {
    transports.forEach(FcmTransport::close);
    google.close();
  }

  FcmTransport transport() {
    return track(google.transport().build());
  }

  FcmTransport track(FcmTransport t) {
    transports.add(t);
    return t;
  }

  static Delivery delivery(DeviceTarget target, Content content, DeliveryOptions options) {
    return new Delivery(7, KEY, 1, target, content, options, CollapseKeys.effective(KEY, options), null);
  }

  static Delivery delivery(DeviceTarget target) {
    return delivery(target, Content.of("Shipped", "Your order is on its way"), DeliveryOptions.DEFAULTS);
  }

  static Delivery toToken() {
    return delivery(new DeviceTarget.FcmToken(DEVICE_TOKEN));
  }

  static Outcome await(java.util.concurrent.CompletionStage<Outcome> stage) {
    try {
      return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("send did not complete normally", e);
    }
  }
}
