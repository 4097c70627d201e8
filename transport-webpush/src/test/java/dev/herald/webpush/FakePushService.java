package dev.herald.webpush;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;

/**
 * A push service on 127.0.0.1 that checks requests as a strict real one would: the VAPID JWT's
 * signature against the {@code k} key and that key against the one the subscription was made with,
 * the claims, every header, and the body, which it decrypts with the subscriber's private key. A
 * request that breaks a rule is answered 400 with the broken rule and recorded in
 * {@link #violations()}; a request signed with another key than the one its subscription was made
 * with is answered 403, as real push services do, and recorded in {@link #keyMismatches()}; a good
 * one gets whatever the test configured.
 */
final class FakePushService implements AutoCloseable {
  private static final Pattern AUTHORIZATION = Pattern.compile("vapid t=([A-Za-z0-9_.-]+), k=([A-Za-z0-9_-]+)");
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  private static final String KEY_MISMATCH = "k is not the applicationServerKey the subscription was made with";
  private static final Set<String> URGENCIES = Set.of("very-low", "low", "normal", "high");

  /** One accepted request, decrypted. */
  record Received(String path, Headers headers, Map<String, Object> claims, byte[] payload, int bodyLength) {
    Map<String, Object> json() {
      try {
        return JSONObjectUtils.parse(new String(payload, StandardCharsets.UTF_8));
      } catch (java.text.ParseException e) {
        throw new AssertionError("payload is not JSON", e);
      }
    }
  }

  private final MockWebServer server = new MockWebServer();
  private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
  private final Map<String, String> subscribedWith = new ConcurrentHashMap<>();
  private final List<String> keyMismatches = new CopyOnWriteArrayList<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final String applicationServerKey;
  private final Clock clock;
  private volatile Function<RecordedRequest, MockResponse> responder =
      r -> new MockResponse.Builder().code(201).addHeader("Location", r.getUrl().newBuilder().encodedPath("/m/" + UUID.randomUUID()).build()).build();
  private volatile Runnable onRequest = () -> {};

  FakePushService(VapidKeys keys, Clock clock) throws IOException {
    this.applicationServerKey = keys.publicKeyBase64Url();
    this.clock = clock;
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        onRequest.run();
        List<String> problems = check(request);
        if (problems.size() == 1 && problems.get(0).startsWith(KEY_MISMATCH)) {
          keyMismatches.add(request.getUrl().encodedPath());
          return new MockResponse.Builder().code(403).body("{\"code\":403,\"errno\":109,\"error\":\"Forbidden\","
              + "\"message\":\"" + KEY_MISMATCH + "\"}").build();
        }
        if (!problems.isEmpty()) {
          violations.addAll(problems);
          return new MockResponse.Builder().code(400).body("{\"error\":\"" + String.join("; ", problems) + "\"}").build();
        }
        return responder.apply(request);
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  /** A new subscription on this service, as a browser would get from pushManager.subscribe(). */
  Subscriber subscribe() {
    return subscribe(null);
  }

  /**
   * A new subscription made with this application server key (null: the service's own), as
   * {@code pushManager.subscribe({applicationServerKey})} would make it.
   */
  Subscriber subscribe(VapidKeys applicationServerKey) {
    Subscriber s = Subscriber.generate();
    String path = "/push/" + UUID.randomUUID();
    subscribers.put(path, s);
    subscribedWith.put(path, applicationServerKey == null ? this.applicationServerKey : applicationServerKey.publicKeyBase64Url());
    return s;
  }

  String endpointOf(Subscriber s) {
    return subscribers.entrySet().stream().filter(e -> e.getValue() == s).findFirst()
        .map(e -> origin() + e.getKey()).orElseThrow();
  }

  /** The origin a VAPID token for this service must name. */
  String origin() {
    return "http://127.0.0.1:" + server.getPort();
  }

  void respond(Function<RecordedRequest, MockResponse> responder) {
    this.responder = responder;
  }

  void respond(MockResponse response) {
    this.responder = r -> response;
  }

  void onRequest(Runnable hook) {
    this.onRequest = hook;
  }

  List<Received> received() {
    return received;
  }

  List<String> violations() {
    return violations;
  }

  /** The paths of the requests refused with 403 because they were signed with another key. */
  List<String> keyMismatches() {
    return keyMismatches;
  }

  int requestCount() {
    return server.getRequestCount();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }

  private List<String> check(RecordedRequest r) {
    List<String> problems = new ArrayList<>();
    if (!"POST".equals(r.getMethod())) {
      problems.add("method must be POST: " + r.getMethod());
    }
    String path = r.getUrl().encodedPath();
    Subscriber subscriber = subscribers.get(path);
    if (subscriber == null) {
      problems.add("no such subscription: " + path);
    }
    Headers h = r.getHeaders();
    String ttl = h.get("TTL");
    if (ttl == null || !ttl.matches("\\d{1,10}")) {
      problems.add("TTL must be a non-negative integer: " + ttl);
    }
    String urgency = h.get("Urgency");
    if (urgency != null && !URGENCIES.contains(urgency)) {
      problems.add("Urgency must be one of " + URGENCIES + ": " + urgency);
    }
    String topic = h.get("Topic");
    if (topic != null && !BASE64URL.matcher(topic).matches()) {
      problems.add("Topic must be 1-32 base64url characters: " + topic);
    }
    if (!"aes128gcm".equals(h.get("Content-Encoding"))) {
      problems.add("Content-Encoding must be aes128gcm: " + h.get("Content-Encoding"));
    }
    if (!"application/octet-stream".equals(h.get("Content-Type"))) {
      problems.add("Content-Type must be application/octet-stream: " + h.get("Content-Type"));
    }
    // A real push service compares aud with its own origin, which is what the client put in Host.
    Map<String, Object> claims = checkAuthorization(h.get("Authorization"), "http://" + h.get("Host"),
        subscribedWith.getOrDefault(path, applicationServerKey), problems);
    byte[] body = r.getBody() == null ? new byte[0] : r.getBody().toByteArray();
    if (body.length > 4096) {
      problems.add("body must be at most 4096 octets: " + body.length);
    }
    if (!String.valueOf(body.length).equals(h.get("Content-Length"))) {
      problems.add("Content-Length must be the body length " + body.length + ": " + h.get("Content-Length"));
    }
    byte[] payload = null;
    if (subscriber != null) {
      try {
        payload = subscriber.decrypt(body);
      } catch (RuntimeException e) {
        problems.add("body does not decrypt: " + e.getMessage());
      }
    }
    if (problems.isEmpty()) {
      received.add(new Received(path, h, claims, payload, body.length));
    }
    return problems;
  }

  private Map<String, Object> checkAuthorization(String header, String ownOrigin, String expectedKey, List<String> problems) {
    if (header == null) {
      problems.add("Authorization is required");
      return null;
    }
    Matcher m = AUTHORIZATION.matcher(header);
    if (!m.matches()) {
      problems.add("Authorization must be 'vapid t=<jwt>, k=<key>': " + header);
      return null;
    }
    String k = m.group(2);
    if (!k.equals(expectedKey)) {
      problems.add(KEY_MISMATCH);
    }
    try {
      SignedJWT jwt = SignedJWT.parse(m.group(1));
      if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
        problems.add("JWT alg must be ES256: " + jwt.getHeader().getAlgorithm());
      }
      if (!JOSEObjectType.JWT.equals(jwt.getHeader().getType())) {
        problems.add("JWT typ must be JWT: " + jwt.getHeader().getType());
      }
      if (!jwt.verify(new ECDSAVerifier(publicKey(Subscriber.unb64(k))))) {
        problems.add("JWT signature does not verify with k");
      }
      Map<String, Object> claims = jwt.getPayload().toJSONObject();
      if (!(claims.get("aud") instanceof String aud) || !aud.equals(ownOrigin)) {
        problems.add("aud must be the string " + ownOrigin + ": " + claims.get("aud"));
      }
      Instant now = clock.instant();
      if (!(claims.get("exp") instanceof Number exp)) {
        problems.add("exp is required");
      } else {
        Instant expiry = Instant.ofEpochSecond(exp.longValue());
        if (!expiry.isAfter(now)) {
          problems.add("JWT expired at " + expiry);
        }
        if (expiry.isAfter(now.plus(Duration.ofHours(24)))) {
          problems.add("exp must be at most 24 hours ahead: " + expiry);
        }
      }
      if (!(claims.get("sub") instanceof String sub) || !(sub.startsWith("mailto:") || sub.startsWith("https:"))) {
        problems.add("sub must be a mailto: or https: URI: " + claims.get("sub"));
      }
      return claims;
    } catch (Exception e) {
      problems.add("JWT does not parse or verify: " + e);
      return null;
    }
  }

  static ECPublicKey publicKey(byte[] uncompressed) throws Exception {
    ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(uncompressed, 1, 33)),
        new BigInteger(1, Arrays.copyOfRange(uncompressed, 33, 65)));
    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, Subscriber.P256));
  }
}
