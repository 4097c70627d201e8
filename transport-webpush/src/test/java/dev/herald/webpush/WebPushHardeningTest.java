package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.spi.SendDeadline;
import dev.herald.testing.MutableClock;
import dev.herald.testing.Reply;
import dev.herald.testing.webpush.FakePushService;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression tests of issue 12 for the Web Push transport: a send never leaves after its claim's
 * deadline (item 0), a {@code Retry-After} is range-checked (item 2), the unspecified address is
 * never reachable (item 8), a click URL is https unless the policy allows http (item 5).
 */
class WebPushHardeningTest {
  private static final String SUBJECT = "mailto:push-ops@herald.dev";
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final VapidKeys keys = VapidKeys.generate();
  private final MutableClock clock = new MutableClock(START);
  private FakePushService push;
  private WebPushTransport transport;

  @BeforeEach
  void start() throws Exception {
    push = FakePushService.builder().applicationServerKey(keys.publicKeyBase64Url()).clock(clock).build();
  }

  @AfterEach
  void stop() {
    if (transport != null) {
      transport.close();
    }
    push.close();
  }

  private WebPushTransport transport(int maxInFlight) {
    transport = WebPushTransport.builder().vapidKeys(keys).subject(SUBJECT)
        .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build())
        .clock(clock).connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(5)).maxInFlight(maxInFlight)
        .build();
    return transport;
  }

  private Delivery delivery(String key) {
    DeviceTarget target = push.subscribe();
    return new Delivery(7L, key, 1, target, Content.of("t", "b"), DeliveryOptions.DEFAULTS,
        CollapseKeys.effective(key, DeliveryOptions.DEFAULTS), null);
  }

  private static Outcome await(java.util.concurrent.CompletionStage<Outcome> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void declaresItsCapacityAndTimeoutToTheEngine() {
    WebPushTransport t = transport(7);
    assertThat(t.maxConcurrentSends()).isEqualTo(7);
    assertThat(t.sendTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aSendWithLessThanTheCallTimeoutLeftIsNotSent() throws Exception {
    transport(4);
    Outcome o = await(transport.send(delivery("k1"), SendDeadline.in(Duration.ofSeconds(4), clock)));
    assertThat(o).isInstanceOf(Outcome.NotSent.class);
    assertThat(o.reason()).contains("sooner than this send may take (5000 ms)");
    assertThat(push.requestCount()).isZero();
  }

  @Test
  void theDeadlineIsCheckedWhenTheRequestLeavesOkHttpsQueueNotOnlyWhenItIsQueued() throws Exception {
    transport(1); // one request at a time: the second waits in OkHttp's dispatcher queue
    CountDownLatch firstArrived = new CountDownLatch(1);
    CountDownLatch releaseFirst = new CountDownLatch(1);
    push.answerWith(r -> {
      firstArrived.countDown();
      try {
        releaseFirst.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Reply.accept();
    });
    CompletableFuture<Outcome> first = transport.send(delivery("k1"), SendDeadline.none()).toCompletableFuture();
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    // Queued with 10 s left of a deadline, which is enough for a 5 s call...
    CompletableFuture<Outcome> second = transport.send(delivery("k2"), SendDeadline.in(Duration.ofSeconds(10), clock))
        .toCompletableFuture();
    // ...but it waits 6 s behind the first: only 4 s are left when it could leave.
    clock.advance(Duration.ofSeconds(6));
    push.answerWith(r -> Reply.accept());
    releaseFirst.countDown();
    assertThat(await(first)).isInstanceOf(Outcome.Delivered.class);
    Outcome o = await(second);
    assertThat(o).isInstanceOf(Outcome.NotSent.class);
    assertThat(push.requestCount()).as("the second never reached the push service").isEqualTo(1);
  }

  @Test
  void aRetryAfterOfAYearOrLongMaxIsReadAsADayAndGarbageAsNothing() throws Exception {
    transport(4);
    String[][] cases = {
        {"31536000", "PT24H"}, {"9223372036854775807", "PT24H"}, {"99999999999999999999999", "PT24H"}, {"-5", null},
        {"soon", null}, {"Fri, 31 Dec 9999 23:59:59 GMT", "PT24H"}, {"Sun, 01 Mar 2026 10:01:30 GMT", "PT1M30S"},
        {"Sun, 01 Mar 2026 09:00:00 GMT", "PT0S"}, {"1e9", null}, {"", null}};
    for (String[] c : cases) {
      push.answerWith(r -> Reply.status(403).withHeader("Retry-After", c[0]));
      Outcome o = await(transport.send(delivery("k"), SendDeadline.none()));
      assertThat(o).as(c[0]).isInstanceOf(Outcome.ChannelUnavailable.class);
      Duration ra = ((Outcome.ChannelUnavailable) o).retryAfter();
      assertThat(ra == null ? null : ra.toString()).as(c[0]).isEqualTo(c[1]);
      push.answerWith(r -> Reply.status(503).withHeader("Retry-After", c[0]));
      Outcome r = await(transport.send(delivery("k"), SendDeadline.none()));
      Duration rra = ((Outcome.Retry) r).retryAfter();
      assertThat(rra == null ? null : rra.toString()).as(c[0]).isEqualTo(c[1]);
    }
  }

  @Test
  void theUnspecifiedAddressIsNeverAllowedNotEvenWithPrivateNetworksAndLoopback() throws Exception {
    EndpointPolicy open = EndpointPolicy.builder().allowKnownPushServices().allowHost("push.example.net")
        .allowHttp(true).allowLoopback(true).allowPrivateNetworks(true).build();
    for (String endpoint : new String[] {"http://0.0.0.0:8080/push/x", "http://0.1.2.3/push/x", "http://[::]/push/x",
        "http://[::ffff:0.0.0.0]/push/x"}) {
      InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> open.check(endpoint));
      assertThat(e).as(endpoint).isNotNull();
      assertThat(e.fields()).containsExactly("endpoint");
    }
    assertThat(open.allowsAddress(InetAddress.getByName("0.0.0.0"))).isFalse();
    assertThat(open.allowsAddress(InetAddress.getByName("::"))).isFalse();
    assertThat(open.allowsAddress(InetAddress.getByName("10.0.0.1"))).isTrue();
    assertThat(open.allowsAddress(InetAddress.getByName("127.0.0.1"))).isTrue();
    // An IPv4 private address inside IPv6 is still private.
    assertThat(EndpointPolicy.defaults().allowsAddress(InetAddress.getByName("::ffff:169.254.169.254"))).isFalse();
    assertThat(EndpointPolicy.defaults().allowsAddress(InetAddress.getByName("64:ff9b::a00:1"))).isFalse();
  }

  @Test
  void aClickUrlIsHttpsUnlessThePolicyAllowsHttp() {
    WebPushTransport strict = WebPushTransport.builder().vapidKeys(keys).subject(SUBJECT).build();
    try {
      Notification http = Notification.builder("k").recipient(Recipient.id("m")).title("t")
          .clickUrl(URI.create("http://app.example.org/x")).build();
      InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> strict.validate(http));
      assertThat(e.fields()).containsExactly("content.clickUrl");
      strict.validate(Notification.builder("k").recipient(Recipient.id("m")).title("t")
          .clickUrl(URI.create("https://app.example.org/x")).build());
      transport(1).validate(http); // allowHttp(true)
    } finally {
      strict.close();
    }
  }
}
