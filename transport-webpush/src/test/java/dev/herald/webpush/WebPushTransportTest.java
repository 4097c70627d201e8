package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.InvalidInputException;
import dev.herald.Outcome;
import dev.herald.Urgency;
import dev.herald.testing.MutableClock;
import dev.herald.testing.Reply;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.testing.webpush.PushRequest;
import dev.herald.testing.webpush.PushSubscriber;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebPushTransportTest {
  private static final String KEY = "order-42-shipped";
  private static final String SUBJECT = "mailto:push-ops@herald.dev";
  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  private final VapidKeys keys = VapidKeys.generate();
  private final MutableClock clock = new MutableClock(START);
  private FakePushService push;
  private WebPushTransport transport;

  @BeforeEach
  void start() throws Exception {
    push = pushService();
    transport = transport(b -> {});
  }

  @AfterEach
  void stop() {
    transport.close();
    push.close();
  }

  private WebPushTransport transport(java.util.function.Consumer<WebPushTransport.Builder> customize) {
    WebPushTransport.Builder b = WebPushTransport.builder()
        .vapidKeys(keys)
        .subject(SUBJECT)
        .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build())
        .clock(clock)
        .connectTimeout(Duration.ofSeconds(2))
        .callTimeout(Duration.ofSeconds(5));
    customize.accept(b);
    return b.build();
  }

  private static Delivery delivery(DeviceTarget target) {
    return delivery(target, Content.of("Shipped", "Your order is on its way"), DeliveryOptions.DEFAULTS);
  }

  private static Delivery delivery(DeviceTarget target, Content content, DeliveryOptions options) {
    return new Delivery(7L, KEY, 1, target, content, options, CollapseKeys.effective(KEY, options), null);
  }

  private Outcome send(Delivery d) throws Exception {
    return transport.send(d).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private DeviceTarget.WebPushSubscription subscription() {
    return push.subscribe();
  }

  /** A push service whose browsers subscribe with this test's VAPID key. */
  private FakePushService pushService() {
    return FakePushService.builder().applicationServerKey(keys.publicKeyBase64Url()).clock(clock).build();
  }

  private void answer(Reply reply) {
    push.answerWith(r -> reply);
  }

  private static Reply status(int code, String body) {
    return Reply.status(code).withBody(body);
  }

  /** The same browser's subscription under another host name of its endpoint. */
  private static DeviceTarget.WebPushSubscription at(DeviceTarget.WebPushSubscription s, String endpoint) {
    return new DeviceTarget.WebPushSubscription(endpoint, s.p256dh(), s.auth());
  }

  // ---- one test per push-service answer -------------------------------------------------------

  @Test
  void created201IsDeliveredWithLocationAsProviderId() throws Exception {
    answer(Reply.status(201).withHeader("Location", "https://push.example/m/abc123"));
    assertThat(send(delivery(subscription()))).isEqualTo(Outcome.delivered("https://push.example/m/abc123"));
    assertThat(push.problems()).isEmpty();
    assertThat(push.requests()).hasSize(1);
  }

  @Test
  void accepted202IsDelivered() throws Exception {
    answer(Reply.status(202));
    assertThat(send(delivery(subscription()))).isEqualTo(Outcome.delivered(null));
    assertThat(push.problems()).isEmpty();
  }

  @Test
  void notFound404IsTargetGone() throws Exception {
    answer(status(404, "{\"errno\":102,\"message\":\"Request did not validate invalid token\"}"));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isInstanceOf(Outcome.TargetGone.class);
    assertThat(outcome.rawCode()).isEqualTo("404");
    assertThat(((Outcome.TargetGone) outcome).reason()).contains("expired or been unsubscribed").contains("errno");
    assertThat(push.problems()).isEmpty();
  }

  @Test
  void gone410IsTargetGone() throws Exception {
    answer(status(410, "push subscription has unsubscribed or expired."));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isEqualTo(Outcome.targetGone("410", "push service answered 410: the subscription has expired or "
        + "been unsubscribed; body: \"push subscription has unsubscribed or expired.\""));
  }

  @Test
  void badRequest400IsRejectedKeepingTheBody() throws Exception {
    answer(status(400, "{\"errno\":110,\"message\":\"Invalid Content-Encoding\"}"));
    assertThat(send(delivery(subscription()))).isEqualTo(Outcome.rejected("400", "push service answered 400: it refused "
        + "this request as malformed; body: \"{\"errno\":110,\"message\":\"Invalid Content-Encoding\"}\""));
  }

  @Test
  void payloadTooLarge413IsRejectedKeepingTheBody() throws Exception {
    answer(status(413, "Request Entity Too Large"));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isEqualTo(Outcome.rejected("413",
        "push service answered 413: the encrypted payload is too large; body: \"Request Entity Too Large\""));
  }

  @Test
  void unauthorized401PausesTheChannelAndSignsAFreshTokenNextTime() throws Exception {
    answer(status(401, "{\"reason\":\"VapidPkHashMismatch\"}"));
    DeviceTarget.WebPushSubscription target = subscription();
    Outcome outcome = send(delivery(target));
    assertThat(outcome).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(outcome.rawCode()).isEqualTo("401");
    assertThat(((Outcome.ChannelUnavailable) outcome).reason()).contains("VAPID").contains("VapidPkHashMismatch");
    assertThat(transport.vapidTokensSigned()).isEqualTo(1);
    send(delivery(target));
    assertThat(transport.vapidTokensSigned()).isEqualTo(2);
  }

  @Test
  void forbidden403PausesTheChannel() throws Exception {
    answer(Reply.status(403).withRetryAfter(Duration.ofSeconds(600)).withBody("{\"reason\":\"BadJwtToken\"}"));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isEqualTo(new Outcome.ChannelUnavailable(Duration.ofMinutes(10), "403",
        "push service answered 403: it rejected the VAPID authorization; check the VAPID key pair and subject; "
            + "body: \"{\"reason\":\"BadJwtToken\"}\""));
  }

  /** A subscription the browser made with another application server key: the push service refuses our key with 403. */
  private DeviceTarget.WebPushSubscription staleSubscription() {
    return push.subscribe(VapidKeys.generate().publicKeyBase64Url());
  }

  @Test
  void aSubscriptionRefusedAgainAfterTheServiceAcceptedAnotherIsRejectedInsteadOfPausingTheChannel() throws Exception {
    DeviceTarget.WebPushSubscription stale = staleSubscription();
    DeviceTarget.WebPushSubscription good = subscription();

    // The first refusal cannot be told from a credential failure: pause, burn nothing.
    assertThat(send(delivery(stale))).isInstanceOf(Outcome.ChannelUnavailable.class);
    // The probe after the pause goes to another subscription, and the service takes our token.
    assertThat(send(delivery(good))).isInstanceOf(Outcome.Delivered.class);
    // So the next refusal of the same subscription is about that subscription alone.
    Outcome again = send(delivery(stale));
    assertThat(again).isInstanceOf(Outcome.Rejected.class);
    assertThat(again.rawCode()).isEqualTo("403");
    assertThat(((Outcome.Rejected) again).reason()).contains("for this subscription only")
        .contains("another application server key").contains("does not correspond to the sender");
    // And every later one too, with no pause in between, while the others keep being delivered.
    assertThat(send(delivery(good))).isInstanceOf(Outcome.Delivered.class);
    assertThat(send(delivery(stale))).isInstanceOf(Outcome.Rejected.class);
    assertThat(push.problems()).hasSize(3).allMatch(p -> p.contains("not the applicationServerKey"));
  }

  @Test
  void refusalsWithNoAcceptanceSinceTheSubscriptionsFirstRefusalKeepPausing() throws Exception {
    DeviceTarget.WebPushSubscription a = staleSubscription();
    DeviceTarget.WebPushSubscription b = staleSubscription();
    // An acceptance before a subscription's first refusal says nothing about the refusal.
    DeviceTarget.WebPushSubscription c = subscription();
    assertThat(send(delivery(c))).isInstanceOf(Outcome.Delivered.class);

    // The key was rotated for everyone at once: every refusal is a credential failure.
    assertThat(send(delivery(a))).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(send(delivery(b))).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(send(delivery(a))).isInstanceOf(Outcome.ChannelUnavailable.class);
    assertThat(send(delivery(b))).isInstanceOf(Outcome.ChannelUnavailable.class);
  }

  @Test
  void anAcceptanceAtAnotherPushServiceDoesNotMakeARefusalLocal() throws Exception {
    try (FakePushService other = pushService()) {
      DeviceTarget.WebPushSubscription here = staleSubscription();
      DeviceTarget.WebPushSubscription there = other.subscribe();

      assertThat(send(delivery(here))).isInstanceOf(Outcome.ChannelUnavailable.class);
      assertThat(send(delivery(there))).isInstanceOf(Outcome.Delivered.class);
      // Only this push service refuses us (say, it rejects our subject): still a credential failure.
      assertThat(send(delivery(here))).isInstanceOf(Outcome.ChannelUnavailable.class);
    }
  }

  @Test
  void tooManyRequests429RetriesAfterTheGivenSeconds() throws Exception {
    answer(Reply.status(429).withRetryAfter(Duration.ofSeconds(120)).withBody(""));
    assertThat(send(delivery(subscription())))
        .isEqualTo(Outcome.retry(Duration.ofSeconds(120), "429", "push service answered 429: too many requests"));
  }

  @Test
  void unavailable503RetriesAfterTheGivenHttpDate() throws Exception {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(START.plusSeconds(90).atOffset(ZoneOffset.UTC));
    answer(Reply.status(503).withHeader("Retry-After", date).withBody("maintenance"));
    assertThat(send(delivery(subscription())))
        .isEqualTo(Outcome.retry(Duration.ofSeconds(90), "503", "push service answered 503; body: \"maintenance\""));
  }

  @Test
  void internalError500RetriesWithoutAProviderDelay() throws Exception {
    answer(status(500, ""));
    assertThat(send(delivery(subscription()))).isEqualTo(Outcome.retry(null, "500", "push service answered 500"));
  }

  @Test
  void redirectIsNeverFollowed() throws Exception {
    answer(Reply.status(307).withHeader("Location", "http://127.0.0.1:" + push.port() + "/internal"));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isEqualTo(Outcome.rejected("307",
        "push service answered a redirect (307), which Herald never follows (endpoint policy)"));
    assertThat(push.requestCount()).isEqualTo(1);
  }

  @Test
  void timeoutIsRetry() throws Exception {
    answer(Reply.noAnswer());
    transport.close();
    transport = transport(b -> b.connectTimeout(Duration.ofMillis(300)).callTimeout(Duration.ofMillis(300)));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) outcome).reason()).startsWith("timeout: ");
    assertThat(outcome.rawCode()).isNull();
  }

  @Test
  void droppedConnectionIsRetry() throws Exception {
    answer(Reply.dropConnection());
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) outcome).reason()).startsWith("I/O error: ");
    // The service got the message and may have accepted it: OkHttp must not silently send it again.
    assertThat(push.requestCount()).isEqualTo(1);
  }

  @Test
  void messageDroppedWithoutAnswerOnAReusedConnectionIsSentOnceMoreOnANewOne() throws Exception {
    // Without a byte of answer on a pooled connection, a push service that closed the idle
    // connection cannot be told from one that read the request and died: the transport sends it
    // once more, at once, on a new connection (StaleConnectionTest has the rest of the rule).
    AtomicInteger n = new AtomicInteger();
    push.answerWith(r -> n.incrementAndGet() == 2 ? Reply.dropConnection() : Reply.status(201));
    DeviceTarget.WebPushSubscription target = subscription();
    assertThat(send(delivery(target))).isInstanceOf(Outcome.Delivered.class);
    assertThat(send(delivery(target))).isInstanceOf(Outcome.Delivered.class);
    assertThat(push.requestCount()).isEqualTo(3);
    assertThat(transport.staleConnectionResends()).isEqualTo(1);
  }

  @Test
  void refusedConnectionIsRetry() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    PushSubscriber s = PushSubscriber.generate();
    Outcome outcome = send(delivery(s.subscriptionAt("http://127.0.0.1:" + closedPort + "/push/abc")));
    assertThat(outcome).isInstanceOf(Outcome.Retry.class);
    assertThat(((Outcome.Retry) outcome).reason()).startsWith("connection failed: ");
  }

  // ---- what the push service receives ---------------------------------------------------------

  @Test
  void pushServiceReceivesEveryHeaderAndTheDecryptablePayload() throws Exception {
    Content content = Content.builder().title("Shipped").body("Your order <42> is on its way")
        .data("orderId", "42").data("emoji", "📦").image(URI.create("https://cdn.herald.dev/box.png"))
        .clickUrl(URI.create("https://shop.herald.dev/orders/42")).build();
    DeliveryOptions options = new DeliveryOptions(Duration.ofMinutes(60), Urgency.HIGH, null);
    send(delivery(subscription(), content, options));

    assertThat(push.problems()).isEmpty();
    PushRequest r = push.requests().get(0);
    assertThat(r.header("TTL")).isEqualTo("3600");
    assertThat(r.header("Urgency")).isEqualTo("high");
    // No Topic without a host-named collapse key: a push service keeps one pending message per Topic.
    assertThat(r.header("Topic")).isNull();
    assertThat(r.header("Content-Encoding")).isEqualTo("aes128gcm");
    assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(r.header("Authorization")).endsWith(", k=" + keys.publicKeyBase64Url());
    // One record of the 4096 octets the transport always writes.
    assertThat(push.subscriber(r.subscription()).decrypt(r.body(), 4096)).isEqualTo(r.payload());
    assertThat(r.vapidClaims()).containsEntry("aud", push.origin()).containsEntry("sub", SUBJECT)
        .containsEntry("exp", START.plus(Duration.ofHours(12)).getEpochSecond());
    assertThat(r.json()).containsExactly(
        Map.entry("title", "Shipped"),
        Map.entry("body", "Your order <42> is on its way"),
        Map.entry("data", Map.of("orderId", "42", "emoji", "📦", "herald_id", CollapseKeys.fromIdempotencyKey(KEY))),
        Map.entry("image", "https://cdn.herald.dev/box.png"),
        Map.entry("clickUrl", "https://shop.herald.dev/orders/42"),
        Map.entry("tag", CollapseKeys.fromIdempotencyKey(KEY)));
  }

  @Test
  void explicitCollapseKeyIsTopicAndTagAndZeroTtlIsSent() throws Exception {
    DeliveryOptions options = new DeliveryOptions(Duration.ZERO, Urgency.VERY_LOW, "score-update");
    send(delivery(subscription(), Content.of(null, "2-1"), options));
    PushRequest r = push.requests().get(0);
    assertThat(r.header("Topic")).isEqualTo("score-update");
    assertThat(r.header("TTL")).isEqualTo("0");
    assertThat(r.header("Urgency")).isEqualTo("very-low");
    assertThat(r.json()).containsExactly(Map.entry("body", "2-1"),
        Map.entry("data", Map.of("herald_id", CollapseKeys.fromIdempotencyKey(KEY))), Map.entry("tag", "score-update"));
  }

  @Test
  void defaultPayloadIsTheExactServiceWorkerJson() {
    Content content = Content.builder().title("Shipped").body("On its way").data("orderId", "42")
        .clickUrl(URI.create("https://shop.herald.dev/orders/42")).build();
    String id = CollapseKeys.fromIdempotencyKey(KEY);
    assertThat(new String(PayloadFormat.serviceWorker().encode(delivery(subscription(), content, DeliveryOptions.DEFAULTS)),
        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"title\":\"Shipped\",\"body\":\"On its way\","
            + "\"data\":{\"orderId\":\"42\",\"herald_id\":\"" + id + "\"},\"clickUrl\":\"https://shop.herald.dev/orders/42\","
            + "\"tag\":\"" + id + "\"}");
  }

  @Test
  void paddingHidesThePayloadLength() throws Exception {
    transport.close();
    transport = transport(b -> b.padding(Padding.toSize(1000)));
    send(delivery(subscription(), Content.of("a", "short"), DeliveryOptions.DEFAULTS));
    send(delivery(subscription(), Content.of("a", "a rather longer body, still well under the bucket"), DeliveryOptions.DEFAULTS));
    assertThat(push.problems()).isEmpty();
    assertThat(push.requests()).extracting(PushRequest::bodyLength).containsExactly(1103, 1103);
    assertThat(push.requests().get(0).json()).containsEntry("body", "short");
  }

  @Test
  void customPayloadEncoderIsEncrypted() throws Exception {
    transport.close();
    transport = transport(b -> b.payloadEncoder(d -> ("custom:" + d.content().title()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    send(delivery(subscription()));
    assertThat(push.requests().get(0).text()).isEqualTo("custom:Shipped");
  }

  // ---- VAPID token cache ----------------------------------------------------------------------

  @Test
  void vapidTokenIsSignedOncePerPushServiceOrigin() throws Exception {
    for (int i = 0; i < 5; i++) {
      send(delivery(subscription()));
    }
    assertThat(transport.vapidTokensSigned()).isEqualTo(1);
    try (FakePushService other = pushService()) {
      DeviceTarget.WebPushSubscription there = other.subscribe();
      send(delivery(there));
      send(delivery(there));
      assertThat(other.problems()).isEmpty();
      assertThat(other.requests().get(0).vapidClaims()).containsEntry("aud", other.origin());
    }
    assertThat(transport.vapidTokensSigned()).isEqualTo(2);
    assertThat(push.requests()).extracting(r -> r.header("Authorization")).containsOnly(
        push.requests().get(0).header("Authorization"));
  }

  @Test
  void vapidTokenIsRefreshedAnHourBeforeItExpires() throws Exception {
    DeviceTarget.WebPushSubscription target = subscription();
    send(delivery(target));
    clock.advance(Duration.ofHours(10).plusMinutes(59));
    send(delivery(target));
    assertThat(transport.vapidTokensSigned()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    send(delivery(target));
    assertThat(transport.vapidTokensSigned()).isEqualTo(2);
    assertThat(push.problems()).isEmpty();
    assertThat(push.requests().get(2).vapidClaims())
        .containsEntry("exp", START.plus(Duration.ofHours(11 + 12)).getEpochSecond());
  }

  @Test
  void shortTokenLifetimeRefreshesAtHalfLife() throws Exception {
    transport.close();
    transport = transport(b -> b.vapidTokenLifetime(Duration.ofMinutes(30)));
    DeviceTarget.WebPushSubscription target = subscription();
    send(delivery(target));
    clock.advance(Duration.ofMinutes(14));
    send(delivery(target));
    assertThat(transport.vapidTokensSigned()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    send(delivery(target));
    assertThat(transport.vapidTokensSigned()).isEqualTo(2);
  }

  // ---- refusals before sending ----------------------------------------------------------------

  @Test
  void endpointOutsideThePolicyIsRejectedWithoutConnecting() throws Exception {
    transport.close();
    transport = transport(b -> b.endpointPolicy(EndpointPolicy.defaults()));
    Outcome outcome = send(delivery(subscription()));
    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    // The path is the subscriber's secret: only its first characters and length are shown.
    assertThat(((Outcome.Rejected) outcome).reason()).matches("invalid web push delivery: endpoint must use https "
        + "\\(plain http is not allowed by the endpoint policy\\): http://127\\.0\\.0\\.1:" + push.port()
        + "/push/.…\\(41 chars\\)");
    assertThat(push.requestCount()).isZero();
  }

  @Test
  void hostThatResolvesToLoopbackIsRefusedWithoutConnecting() throws Exception {
    OkHttpClient shared = new OkHttpClient.Builder()
        .dns(host -> List.of(InetAddress.getByName("127.0.0.1")))
        .build();
    transport.close();
    transport = transport(b -> b.okHttpClient(shared)
        .endpointPolicy(EndpointPolicy.builder().allowHost("push.herald.dev").allowHttp(true).build()));
    DeviceTarget.WebPushSubscription s = push.subscribe();
    Outcome outcome = send(delivery(at(s, s.endpoint().replace("127.0.0.1", "push.herald.dev"))));
    assertThat(outcome).isEqualTo(Outcome.rejected(null, "push service host push.herald.dev resolves to a loopback "
        + "address (127.0.0.1), which the endpoint policy does not allow"));
    assertThat(push.requestCount()).isZero();
  }

  @Test
  void sharedClientKeepsItsOwnDnsBehindThePolicy() throws Exception {
    OkHttpClient shared = new OkHttpClient.Builder()
        .dns(host -> List.of(InetAddress.getByName("127.0.0.1")))
        .build();
    transport.close();
    transport = transport(b -> b.okHttpClient(shared)
        .endpointPolicy(EndpointPolicy.builder().allowHost("push.herald.dev").allowHttp(true).allowLoopback(true).build()));
    DeviceTarget.WebPushSubscription s = push.subscribe();
    assertThat(send(delivery(at(s, s.endpoint().replace("127.0.0.1", "push.herald.dev"))))).isInstanceOf(Outcome.Delivered.class);
    assertThat(push.problems()).isEmpty();
    assertThat(push.requests().get(0).vapidClaims()).containsEntry("aud", "http://push.herald.dev:" + push.port());
  }

  @Test
  void payloadOverTheLimitIsRejectedBeforeSending() throws Exception {
    Content big = Content.builder().title("t").data("blob", "x".repeat(4000)).build();
    Outcome outcome = send(delivery(subscription(), big, DeliveryOptions.DEFAULTS));
    assertThat(outcome).isInstanceOf(Outcome.Rejected.class);
    assertThat(((Outcome.Rejected) outcome).reason()).isEqualTo("invalid web push delivery: payload must be at most "
        + "3993 octets once encoded: 4120 octets; shorten the content or move data behind a URL");
    assertThat(push.requestCount()).isZero();
  }

  @Test
  void paddingNeverPushesAPayloadOverTheLimit() {
    transport.close();
    transport = transport(b -> b.padding(Padding.toBuckets(100, 3993)).payloadEncoder(d -> new byte[3993]));
    assertThat(transport.prepareRequest(delivery(subscription())).body()).isNotNull();
    transport.close();
    transport = transport(b -> b.padding(Padding.toSize(3993)).payloadEncoder(d -> new byte[3994]));
    assertThatThrownBy(() -> transport.prepareRequest(delivery(subscription())))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid web push delivery: payload must be at most 3993 octets once encoded: 3994 octets; "
            + "shorten the content or move data behind a URL");
  }

  @Test
  void displayTagIsOnlyInThePayloadNeverATopic() throws Exception {
    Delivery d = new Delivery(1, KEY, 1, push.subscribe(), Content.of("a", "b"), DeliveryOptions.DEFAULTS,
        "any tag, not a topic!", null);
    assertThat(transport.prepareRequest(d).header("Topic")).isNull();
    assertThat(send(d)).isInstanceOf(Outcome.Delivered.class);
    assertThat(push.requests().get(0).json()).containsEntry("tag", "any tag, not a topic!");
  }

  @Test
  void nonWebPushTargetIsRejected() throws Exception {
    Delivery d = delivery(new DeviceTarget.FcmToken("abcdefghijklmnop"));
    assertThat(send(d)).isEqualTo(Outcome.rejected(null, "invalid web push delivery: target must be a WebPushSubscription: token"));
  }

  // ---- concurrency and lifecycle --------------------------------------------------------------

  @Test
  void inFlightRequestsAreBounded() throws Exception {
    AtomicInteger current = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    push.answerWith(r -> {
      int now = current.incrementAndGet();
      max.accumulateAndGet(now, Math::max);
      try {
        Thread.sleep(150);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      current.decrementAndGet();
      return Reply.accept();
    });
    transport.close();
    transport = transport(b -> b.maxInFlight(2));
    List<java.util.concurrent.CompletableFuture<Outcome>> sends = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sends.add(transport.send(delivery(subscription())).toCompletableFuture());
    }
    for (var f : sends) {
      assertThat(f.get(10, TimeUnit.SECONDS)).isInstanceOf(Outcome.Delivered.class);
    }
    assertThat(max.get()).isEqualTo(2);
  }

  @Test
  void sendAfterCloseFailsAndCloseIsIdempotent() {
    transport.close();
    transport.close();
    assertThatThrownBy(() -> transport.send(delivery(subscription())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("WebPushTransport is closed; build a new one to send again");
  }

  @Test
  void channelIsWebPush() {
    assertThat(transport.channel()).isEqualTo(dev.herald.Channel.WEB_PUSH);
  }

  @Test
  void toStringShowsNoSecret() {
    assertThat(transport.toString()).doesNotContain(keys.privateKeyBase64Url()).contains("privateKey=<redacted>");
  }

  // ---- validate(), used at registration -------------------------------------------------------

  @Test
  void validateAcceptsASubscriptionThePolicyAllows() {
    transport.validate(subscription());
  }

  @Test
  void validateRefusesAnEndpointThePolicyForbids() {
    WebPushTransport strict = transport(b -> b.endpointPolicy(EndpointPolicy.defaults()));
    try (strict) {
      DeviceTarget.WebPushSubscription evil = PushSubscriber.generate().subscriptionAt("https://metadata.internal/latest/secret-path");
      assertThatThrownBy(() -> strict.validate(evil))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.fields()).containsExactly("endpoint"))
          .hasMessage("invalid web push subscription: endpoint host is not an allowed push service: metadata.internal "
              + "(allowed: fcm.googleapis.com, updates.push.services.mozilla.com, *.notify.windows.com, *.push.apple.com)");
      strict.validate(PushSubscriber.generate().subscriptionAt("https://fcm.googleapis.com/fcm/send/abc:def"));
    }
  }

  @Test
  void validateRefusesOtherTargets() {
    assertThatThrownBy(() -> transport.validate(new DeviceTarget.FcmInstallation("fid-123456")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid web push subscription: target must be a WebPushSubscription: fid");
  }

  @Test
  void preparedRequestCarriesEveryHeader() {
    Request r = transport.prepareRequest(delivery(subscription()));
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.headers().names()).containsExactlyInAnyOrder("TTL", "Urgency", "Content-Encoding", "Authorization");
    assertThat(r.body().contentType().toString()).isEqualTo("application/octet-stream");
    Request withTopic = transport.prepareRequest(delivery(subscription(), Content.of("t", "b"),
        DeliveryOptions.DEFAULTS.withCollapseKey("score")));
    assertThat(withTopic.headers().names()).containsExactlyInAnyOrder("TTL", "Urgency", "Topic", "Content-Encoding",
        "Authorization");
    assertThat(withTopic.header("Topic")).isEqualTo("score");
  }
}
