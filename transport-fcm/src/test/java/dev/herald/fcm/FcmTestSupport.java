package dev.herald.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Outcome;
import dev.herald.testing.MutableClock;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.FcmRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fake FCM of herald-testing (FCM over HTTP/2 with prior knowledge, its token endpoint) and a
 * settable clock per test; transports built on them are closed afterwards.
 */
abstract class FcmTestSupport {
  static final String KEY = "order-42:shipped";
  static final String DEVICE_TOKEN = "dXNlci10b2tlbi1mb3ItdGVzdHM:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";
  static final String FID = "cR_8tH2bRk-dV9Qw1cXyZa";

  MutableClock clock;
  FakeFcm fcm;
  private final List<FcmTransport> transports = new ArrayList<>();

  @BeforeEach
  void startFakeFcm() {
    clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    fcm = FakeFcm.builder().serviceAccount(TestKeys.ACCOUNT).clock(clock).http2PriorKnowledge(true).build();
  }

  @AfterEach
  void stopFakeFcm() {
    transports.forEach(FcmTransport::close);
    fcm.close();
  }

  /** A transport builder aimed at the fake: the account names Google's token endpoint, overridden by the fake's. */
  FcmTransport.Builder builder() {
    return FcmTransport.builder()
        .serviceAccount(TestKeys.account("https://oauth2.googleapis.com/token"))
        .tokenUri(fcm.tokenUri())
        .baseUrl(fcm.baseUrl())
        .http2PriorKnowledge(true)
        .clock(clock);
  }

  FcmTransport transport() {
    return track(builder().build());
  }

  FcmTransport track(FcmTransport t) {
    transports.add(t);
    return t;
  }

  /** The access tokens the send requests carried, in order. */
  List<String> bearerTokens() {
    return fcm.requests().stream().map(FcmRequest::accessToken).toList();
  }

  /** The {@code message} of the last send request. */
  Map<String, Object> lastMessage() {
    List<FcmRequest> r = fcm.requests();
    return r.get(r.size() - 1).message();
  }

  /** Every problem the fake found in a send request. */
  List<String> requestProblems() {
    return fcm.requests().stream().flatMap(r -> r.problems().stream()).toList();
  }

  static Reply json(int status, Map<String, ?> body) {
    return Reply.status(status).withJson(JSONObjectUtils.toJSONString(body));
  }

  /** A case of the fixture file, answered exactly as given. */
  @SuppressWarnings("unchecked")
  static Reply fixture(String name) {
    Map<String, Object> c = fixtureCase(name);
    Reply r = json(((Number) c.get("http")).intValue(), (Map<String, Object>) c.get("body"));
    Map<String, Object> headers = (Map<String, Object>) c.get("headers");
    if (headers != null) {
      for (Map.Entry<String, Object> h : headers.entrySet()) {
        r = r.withHeader(h.getKey(), (String) h.getValue());
      }
    }
    return r;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> fixtureCase(String name) {
    for (Object o : (List<Object>) fixtures().get("cases")) {
      Map<String, Object> c = (Map<String, Object>) o;
      if (name.equals(c.get("name"))) {
        return c;
      }
    }
    throw new IllegalArgumentException("no fixture case " + name);
  }

  static Map<String, Object> fixtures() {
    try (InputStream in = FcmTestSupport.class.getResourceAsStream("/fcm-v1-errors.json")) {
      return JSONObjectUtils.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
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
