package dev.herald.testing.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.DeviceTarget;
import dev.herald.testing.MutableClock;
import dev.herald.testing.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake push service against hand-made requests: RFC 8291 Appendix A's message, encrypted by the
 * RFC's authors for the RFC's browser keys, and VAPID tokens signed here with the JDK. So the
 * browser's decryption and the service's checks are tested against the RFCs, not against Herald.
 */
class FakePushServiceTest {
  static final Base64.Decoder B64 = Base64.getUrlDecoder();
  static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
  /** RFC 8291 Appendix A. */
  static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
  static final String UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
  static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6T"
      + "lzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";
  static final String PLAINTEXT = "When I grow up, I want to be a watermelon";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(10, TimeUnit.SECONDS).build();
  private KeyPair vapid;
  private String vapidKey;
  private FakePushService push;

  static PushSubscriber rfcBrowser() {
    return PushSubscriber.of(B64.decode(UA_PRIVATE), B64.decode(UA_PUBLIC), B64.decode(AUTH));
  }

  @BeforeEach
  void start() throws Exception {
    vapid = p256();
    vapidKey = ENC.encodeToString(PushSubscriber.uncompressed((ECPublicKey) vapid.getPublic()));
    push = FakePushService.builder().clock(clock).applicationServerKey(vapidKey).build();
  }

  @AfterEach
  void stop() {
    push.close();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  @Test
  void theBrowserDecryptsRfc8291sExample() {
    assertThat(new String(rfcBrowser().decrypt(B64.decode(BODY)), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
    assertThat(new String(rfcBrowser().decrypt(B64.decode(BODY), 4096), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
    assertThatThrownBy(() -> rfcBrowser().decrypt(B64.decode(BODY), 4095)).isInstanceOf(DecryptionException.class);
    assertThatThrownBy(() -> PushSubscriber.generate().decrypt(B64.decode(BODY))).isInstanceOf(DecryptionException.class);
    byte[] altered = B64.decode(BODY);
    altered[100] ^= 1;
    assertThatThrownBy(() -> rfcBrowser().decrypt(altered)).isInstanceOf(DecryptionException.class)
        .hasMessageContaining("failed authentication");
    assertThat(rfcBrowser().toString()).doesNotContain(UA_PUBLIC).doesNotContain(AUTH);
  }

  @Test
  void aWellFormedMessageIsAcceptedAndReachesTheBrowserDecrypted() throws Exception {
    DeviceTarget.WebPushSubscription browser = push.subscribe(rfcBrowser(), vapidKey);
    assertThat(browser.p256dh()).isEqualTo(UA_PUBLIC);
    try (Response r = post(browser.endpoint(), headers(vapidToken(vapid, push.origin())), B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(201);
      assertThat(r.header("Location")).startsWith(push.origin() + "/message/");
    }
    assertThat(push.problems()).isEmpty();
    assertThat(push.received(browser)).singleElement().satisfies(m -> {
      assertThat(m.text()).isEqualTo(PLAINTEXT);
      assertThat(m.header("TTL")).isEqualTo("60");
      assertThat(m.vapidClaims()).containsEntry("aud", push.origin());
      assertThat(m.accepted()).isTrue();
    });
  }

  @Test
  void vapidIsCheckedAgainstTheSubscriptionsKey() throws Exception {
    DeviceTarget.WebPushSubscription browser = push.subscribe(rfcBrowser(), vapidKey);
    KeyPair other = p256();
    assertThat(status(browser, headers(vapidToken(other, push.origin())))).isEqualTo(403);
    Map<String, String> none = headers(null);
    assertThat(status(browser, none)).isEqualTo(401);
    assertThat(status(browser, headers(vapidToken(vapid, "https://push.example.net")))).isEqualTo(401);
    String expiresIn25Hours = vapidToken(vapid, push.origin(), Duration.ofHours(25), "mailto:ops@herald.dev");
    assertThat(status(browser, headers(expiresIn25Hours))).isEqualTo(401);
    String noSubject = vapidToken(vapid, push.origin(), Duration.ofHours(12), "ops");
    assertThat(status(browser, headers(noSubject))).isEqualTo(401);
    assertThat(push.received(browser)).isEmpty();
    assertThat(push.problems()).hasSize(5).anyMatch(p -> p.contains("not the applicationServerKey"));

    // Subscribed again with the other key: the other key is now the right one.
    push.rebind(browser, ENC.encodeToString(PushSubscriber.uncompressed((ECPublicKey) other.getPublic())));
    assertThat(status(browser, headers(vapidToken(other, push.origin())))).isEqualTo(201);
  }

  @Test
  void malformedRequestsAreRefusedAsAPushServiceDoes() throws Exception {
    DeviceTarget.WebPushSubscription browser = push.subscribe(rfcBrowser(), vapidKey);
    Map<String, String> h = headers(vapidToken(vapid, push.origin()));
    assertThat(status(browser, with(h, "TTL", "soon"))).isEqualTo(400);
    assertThat(status(browser, with(h, "Urgency", "urgent"))).isEqualTo(400);
    assertThat(status(browser, with(h, "Topic", "a topic with spaces"))).isEqualTo(400);
    assertThat(status(browser, with(h, "Content-Encoding", "aesgcm"))).isEqualTo(400);
    try (Response r = post(browser.endpoint(), h, new byte[4097])) {
      assertThat(r.code()).isEqualTo(413);
    }
    try (Response r = post(browser.endpoint().replace("/push/", "/push/x"), h, B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(404);
    }
    push.unsubscribe(browser);
    assertThat(status(browser, h)).isEqualTo(410);
    assertThat(push.requests()).hasSize(7).allSatisfy(r -> assertThat(r.accepted()).isFalse());
  }

  @Test
  void aBodyTheBrowserCannotDecryptIsAcceptedByTheServiceAndDroppedByTheBrowser() throws Exception {
    DeviceTarget.WebPushSubscription browser = push.subscribe();   // other keys than the RFC's
    assertThat(status(browser, headers(vapidToken(vapid, push.origin())))).isEqualTo(201);
    assertThat(push.received(browser)).isEmpty();
    assertThat(push.requests().get(0).decryptionFailure()).contains("failed authentication");
    assertThat(push.problems()).singleElement().asString().contains("cannot decrypt");
  }

  @Test
  void answersAreScriptedBySubscriptionInOrderOrByAFunction() throws Exception {
    DeviceTarget.WebPushSubscription a = push.subscribe(rfcBrowser(), vapidKey);
    DeviceTarget.WebPushSubscription b = push.subscribe(rfcBrowser(), vapidKey);
    Map<String, String> h = headers(vapidToken(vapid, push.origin()));
    push.answer(a, Reply.status(410));
    push.answerNext(Reply.status(503).withRetryAfter(Duration.ofSeconds(2)), Reply.status(429));
    assertThat(status(a, h)).isEqualTo(410);
    try (Response r = post(b.endpoint(), h, B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header("Retry-After")).isEqualTo("2");
      assertThat(r.body().string()).isEqualTo("service unavailable");
    }
    assertThat(status(b, h)).isEqualTo(429);
    push.answerWith(r -> r.text().contains("watermelon") ? Reply.status(413).withBody("Request Entity Too Large") : null);
    try (Response r = post(b.endpoint(), h, B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(413);
      assertThat(r.body().string()).isEqualTo("Request Entity Too Large");
    }
    push.answer(a, null);
    push.answerWith(r -> Reply.accept());
    assertThat(status(a, h)).isEqualTo(201);
    assertThat(push.received(a)).hasSize(1);
    assertThat(push.received(b)).isEmpty();
  }

  @Test
  void aRelayChecksRequestsAndHandsAcceptedOnesOverStillEncrypted() throws Exception {
    List<PushRequest> relayed = new CopyOnWriteArrayList<>();
    List<PushRequest> delivered = new CopyOnWriteArrayList<>();
    push.onDelivery(delivered::add);
    String endpoint = push.relay(vapidKey, relayed::add);
    assertThat(endpoint).startsWith(push.origin() + "/push/");
    Map<String, String> h = headers(vapidToken(vapid, push.origin()));
    try (Response r = post(endpoint, h, B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(201);
    }
    assertThat(relayed).singleElement().satisfies(m -> {
      assertThat(m.payload()).isNull();
      assertThat(m.subscription()).isNull();
      assertThat(m.decryptionFailure()).isNull();
      // The browser elsewhere holds the keys: RFC 8291's browser reads the RFC's message.
      assertThat(new String(rfcBrowser().decrypt(m.body()), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
    });
    assertThat(push.problems()).isEmpty();

    // Checked as any subscription, and scripted the same way: nothing refused is handed over.
    try (Response r = post(endpoint, headers(vapidToken(p256(), push.origin())), B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(403);
    }
    try (Response r = post(endpoint, with(h, "TTL", "soon"), B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(400);
    }
    push.answerNext(Reply.status(503));
    try (Response r = post(endpoint, h, B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(503);
    }
    assertThat(relayed).hasSize(1);
    assertThat(delivered).isEmpty();
    assertThat(push.requests()).hasSize(4);
    assertThat(push.problems()).hasSize(2);
  }

  @Test
  void anOfflineBrowserGetsWhatChromesPushServiceKeeps() throws Exception {
    DeviceTarget.WebPushSubscription browser = push.subscribe(rfcBrowser(), vapidKey);
    Map<String, String> h = headers(vapidToken(vapid, push.origin()));
    push.offline(browser);
    for (int i = 0; i < 6; i++) {
      assertThat(status(browser, with(h, "Topic", "t" + i))).isEqualTo(201);
      assertThat(status(browser, h)).isEqualTo(201);
    }
    assertThat(push.received(browser)).isEmpty();
    assertThat(push.online(browser)).hasSize(6 + 4);
    assertThat(push.received(browser)).hasSize(10);
  }

  @Test
  void aDroppedConnectionGivesNoAnswer() throws Exception {
    DeviceTarget.WebPushSubscription browser = push.subscribe(rfcBrowser(), vapidKey);
    push.answerNext(Reply.dropConnection());
    assertThatThrownBy(() -> post(browser.endpoint(), headers(vapidToken(vapid, push.origin())), B64.decode(BODY)).close())
        .isInstanceOf(IOException.class);
    assertThat(push.received(browser)).isEmpty();
  }

  @Test
  void aRefusedVapidKeyIsAnsweredAsScriptedUntilTakenAgainWhileOtherKeysDeliver() throws Exception {
    KeyPair other = p256();
    String otherKey = ENC.encodeToString(PushSubscriber.uncompressed((ECPublicKey) other.getPublic()));
    DeviceTarget.WebPushSubscription oldBrowser = push.subscribe(rfcBrowser(), vapidKey);
    DeviceTarget.WebPushSubscription newBrowser = push.subscribe(rfcBrowser(), otherKey);
    push.answerWith(r -> Reply.status(500));   // a refusal comes ahead of any script
    Reply badJwt = Reply.status(403).withJson("{\"reason\":\"BadJwtToken\"}");
    push.refuseVapid(vapidKey, badJwt);
    try (Response r = post(oldBrowser.endpoint(), headers(vapidToken(vapid, push.origin())), B64.decode(BODY))) {
      assertThat(r.code()).isEqualTo(403);
      assertThat(r.body().string()).isEqualTo("{\"reason\":\"BadJwtToken\"}");
    }
    push.answerWith(r -> Reply.accept());
    assertThat(status(newBrowser, headers(vapidToken(other, push.origin())))).as("another key").isEqualTo(201);
    push.refuseVapid(vapidKey, null);
    assertThat(status(oldBrowser, headers(vapidToken(vapid, push.origin())))).as("taken again").isEqualTo(201);

    push.refuseVapid(Reply.status(401));
    assertThat(status(oldBrowser, headers(vapidToken(vapid, push.origin())))).isEqualTo(401);
    assertThat(status(newBrowser, headers(vapidToken(other, push.origin())))).isEqualTo(401);
    push.refuseVapid(null);
    assertThat(status(newBrowser, headers(vapidToken(other, push.origin())))).isEqualTo(201);

    assertThat(push.requests()).extracting(r -> r.reply().status()).containsExactly(403, 0, 0, 401, 401, 0);
    assertThat(push.problems()).hasSize(3).allMatch(p -> p.contains("refuses this VAPID key or token"));
    assertThat(push.requests()).filteredOn(PushRequest::accepted).hasSize(3);
    assertThatThrownBy(() -> push.refuseVapid(Reply.accept())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void severalServicesAreSeveralOriginsAndEachTakesOnlyTokensForItsOwn() throws Exception {
    try (FakePushService apple = FakePushService.builder().clock(clock).applicationServerKey(vapidKey).build()) {
      assertThat(apple.origin()).isNotEqualTo(push.origin());
      DeviceTarget.WebPushSubscription safari = apple.subscribe(rfcBrowser(), vapidKey);
      DeviceTarget.WebPushSubscription chrome = push.subscribe(rfcBrowser(), vapidKey);
      assertThat(status(safari, headers(vapidToken(vapid, push.origin())))).as("a token for the other origin").isEqualTo(401);
      assertThat(status(safari, headers(vapidToken(vapid, apple.origin())))).isEqualTo(201);
      apple.refuseVapid(Reply.status(403));
      assertThat(status(chrome, headers(vapidToken(vapid, push.origin())))).as("the other service is not affected").isEqualTo(201);
      assertThat(apple.received(safari)).hasSize(1);
      assertThat(push.received(chrome)).hasSize(1);
      assertThatThrownBy(() -> push.received(safari)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static KeyPair p256() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private String vapidToken(KeyPair keys, String audience) throws Exception {
    return vapidToken(keys, audience, Duration.ofHours(12), "mailto:ops@herald.dev");
  }

  /** {@code vapid t=..., k=...} with an ES256 JWT signed by the JDK. */
  private String vapidToken(KeyPair keys, String audience, Duration lifetime, String subject) throws Exception {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("aud", audience);
    claims.put("exp", clock.instant().plus(lifetime).getEpochSecond());
    claims.put("sub", subject);
    String input = ENC.encodeToString("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + ENC.encodeToString(JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8));
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(keys.getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    String k = ENC.encodeToString(PushSubscriber.uncompressed((ECPublicKey) keys.getPublic()));
    return "vapid t=" + input + "." + ENC.encodeToString(s.sign()) + ", k=" + k;
  }

  private static Map<String, String> headers(String authorization) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("TTL", "60");
    h.put("Urgency", "normal");
    h.put("Content-Encoding", "aes128gcm");
    if (authorization != null) {
      h.put("Authorization", authorization);
    }
    return h;
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return h;
  }

  private Response post(String endpoint, Map<String, String> headers, byte[] body) throws IOException {
    Request.Builder r = new Request.Builder().url(endpoint)
        .post(RequestBody.create(body, MediaType.get("application/octet-stream")));
    headers.forEach(r::header);
    return http.newCall(r.build()).execute();
  }

  private int status(DeviceTarget.WebPushSubscription s, Map<String, String> headers) throws IOException {
    try (Response r = post(s.endpoint(), headers, B64.decode(BODY))) {
      return r.code();
    }
  }
}
