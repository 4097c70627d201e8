package dev.herald.reliability.support;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.DeviceTarget;
import dev.herald.examples.sim.WebPushSubscriber;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A Web Push service on 127.0.0.1 that behaves like a browser vendor's: it checks the RFC 8030 and
 * RFC 8292 headers, refuses a VAPID key other than the one the subscription was made with (403,
 * as FCM's and Mozilla's services do), decrypts each message with the subscriber's key (RFC 8291),
 * reads the idempotency key and {@code herald_id} from the payload's data, the display tag from the
 * payload's {@code tag} and the push-service collapse key from {@code Topic}, records them in the
 * {@link Ledger}, and answers as the {@link Fault.Plan} says: 201 with a {@code Location}, or an
 * error with {@code Retry-After}, a slow answer, a reset. An accepted message reaches the browser at
 * once, or, while it is {@link #offline offline}, is kept as Chrome's push service (FCM) keeps
 * messages: every one without a Topic, only four different Topics ({@link OfflineStore}).
 */
public final class FakeWebPush implements AutoCloseable {
  /** The payload data entry that carries the idempotency key in this suite's notifications. */
  public static final String KEY_FIELD = "key";

  private final FakeServer server;
  private final Ledger ledger;
  private final Map<String, WebPushSubscriber> subscribers = new ConcurrentHashMap<>();
  private final Set<String> acceptedVapidKeys = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final Set<String> verifiedTokens = ConcurrentHashMap.newKeySet();
  private volatile Fault.Plan plan = Fault.Plan.none();
  private volatile String vapidRefusal;
  private final Map<String, OfflineStore<String[]>> offline = new java.util.HashMap<>();

  /** Starts the service; it accepts messages signed with {@code vapidPublicKey} (base64url). */
  public FakeWebPush(Ledger ledger, String vapidPublicKey) {
    this.ledger = ledger;
    this.acceptedVapidKeys.add(vapidPublicKey);
    this.server = new FakeServer("webpush", this::answer);
  }

  /** A new browser subscription on this service. */
  public DeviceTarget.WebPushSubscription subscribe(String name) {
    WebPushSubscriber s = new WebPushSubscriber();
    subscribers.put(name, s);
    return s.subscription(server.url("/push/" + name));
  }

  /** From now on, answer as this plan says. */
  public void plan(Fault.Plan plan) {
    this.plan = plan;
  }

  /** Which VAPID public keys are accepted from now on (the others get 403). */
  public void acceptVapidKeys(String... publicKeys) {
    acceptedVapidKeys.clear();
    acceptedVapidKeys.addAll(List.of(publicKeys));
  }

  /**
   * From now on (until {@code null}), refuse every request whose VAPID token is otherwise valid with
   * 403 and this body, as a push service does that no longer accepts our key or token (Apple answers
   * {@code {"reason":"BadJwtToken"}}).
   */
  public void refuseVapid(String body) {
    this.vapidRefusal = body;
  }

  /** From now on, the browser subscribed as {@code name} is offline: accepted messages wait. */
  public void offline(String name) {
    synchronized (offline) {
      offline.putIfAbsent(name, new OfflineStore<>(name.hashCode()));
    }
  }

  /**
   * The browser comes back: what its push service kept reaches it now.
   *
   * @return how many messages reached it
   */
  public int online(String name) {
    OfflineStore<String[]> store;
    synchronized (offline) {
      store = offline.remove(name);
    }
    if (store == null) {
      return 0;
    }
    List<String[]> kept = store.drain();
    kept.forEach(m -> ledger.reachedDevice(name, m[0], m[1]));
    return kept.size();
  }

  /** The port, for counting client connections. */
  public int port() {
    return server.port();
  }

  /** Every request that reached the service, readable or not. */
  public long received() {
    return server.received();
  }

  private MockResponse answer(RecordedRequest request) {
    long received = System.currentTimeMillis();
    String path = request.getUrl().encodedPath();
    String name = path.startsWith("/push/") ? path.substring(6) : "";
    WebPushSubscriber subscriber = subscribers.get(name);
    if (subscriber == null) {
      return status(410, "no such subscription");
    }
    String ttl = request.getHeaders().get("TTL");
    if (ttl == null || !ttl.chars().allMatch(Character::isDigit)) {
      return status(400, "TTL header missing or malformed");
    }
    if (!"aes128gcm".equals(request.getHeaders().get("Content-Encoding"))) {
      return status(415, "Content-Encoding must be aes128gcm");
    }
    String auth = request.getHeaders().get("Authorization");
    String k = vapidKey(auth);
    if (k == null) {
      ledger.rejectedAuth();
      return status(401, "missing VAPID authorization");
    }
    if (!verifiedTokens.contains(auth) && !validVapidToken(auth, k, request.getUrl())) {
      ledger.rejectedAuth();
      return status(401, "the VAPID token is invalid (signature, audience or expiry)");
    }
    if (!acceptedVapidKeys.contains(k)) {
      ledger.rejectedAuth();
      return status(403, "the VAPID key does not match the subscription's applicationServerKey");
    }
    String refusal = vapidRefusal;
    if (refusal != null) {
      ledger.rejectedAuth();
      return new MockResponse.Builder().code(403).setHeader("Content-Type", "application/json").body(refusal).build();
    }
    String topic = request.getHeaders().get("Topic");
    String key;
    String tag;
    String id;
    try {
      byte[] plain = subscriber.decrypt(request.getBody().toByteArray());
      Map<String, Object> json = JSONObjectUtils.parse(new String(plain, StandardCharsets.UTF_8));
      // The service-worker JSON, or Declarative Web Push, whose fields are in "notification".
      Map<String, Object> declared = JSONObjectUtils.getJSONObject(json, "notification");
      Map<String, Object> shown = json.containsKey("web_push") && declared != null ? declared : json;
      Map<String, Object> data = JSONObjectUtils.getJSONObject(shown, "data");
      key = data == null ? null : (String) data.get(KEY_FIELD);
      id = data == null ? null : (String) data.get("herald_id");
      tag = JSONObjectUtils.getString(shown, "tag");
    } catch (GeneralSecurityException | java.text.ParseException | RuntimeException e) {
      ledger.unreadable();
      return status(400, "cannot decrypt the message");
    }
    if (key == null) {
      ledger.unreadable();
      return status(400, "message without a key");
    }
    Fault fault = plan.decide("webpush", key, ledger.nextAttempt(key));
    List<String> tags = new ArrayList<>();
    tags.add(String.valueOf(tag));
    List<String> serviceKeys = new ArrayList<>();
    serviceKeys.add(topic);
    Integer retryAfter = fault instanceof Fault.Status s ? s.retryAfterSeconds() : null;
    ledger.record(new Ledger.Request(received, System.currentTimeMillis(), "webpush", name, key, tag, fault, retryAfter),
        new Ledger.Carried(tags, serviceKeys, id));
    if (fault.accepted()) {
      boolean kept = false;
      synchronized (offline) {
        OfflineStore<String[]> store = offline.get(name);
        if (store != null) {
          store.store(new String[] {key, String.valueOf(tag)}, topic);
          kept = true;
        }
      }
      if (!kept) {
        ledger.reachedDevice(name, key, String.valueOf(tag));
      }
    }
    MockResponse.Builder accept = new MockResponse.Builder().code(201)
        .addHeader("Location", server.url("/message/" + ids.incrementAndGet()));
    return FakeServer.respond(fault, accept, s -> new MockResponse.Builder().code(s.code())
        .body(s.code() == 429 ? "too many requests"
            : s.code() == 404 || s.code() == 410 ? "push subscription has unsubscribed or expired." : "service unavailable"));
  }

  private static String vapidKey(String authorization) {
    if (authorization == null || !authorization.startsWith("vapid ")) {
      return null;
    }
    String t = null;
    String k = null;
    for (String part : authorization.substring(6).split(",")) {
      String p = part.trim();
      if (p.startsWith("t=")) {
        t = p.substring(2);
      } else if (p.startsWith("k=")) {
        k = p.substring(2);
      }
    }
    return t == null || t.split("\\.").length != 3 ? null : k;
  }

  /**
   * RFC 8292 §2 and §3: an ES256 JWT signed by the key in {@code k}, whose {@code aud} is the
   * endpoint's origin and whose {@code exp} is in the future and at most 24 hours away. Valid
   * tokens are remembered: senders reuse one per origin.
   */
  private boolean validVapidToken(String authorization, String k, okhttp3.HttpUrl url) {
    try {
      String t = authorization.substring(6).split(",")[0].trim().substring(2);
      com.nimbusds.jwt.SignedJWT jwt = com.nimbusds.jwt.SignedJWT.parse(t);
      byte[] point = java.util.Base64.getUrlDecoder().decode(k);
      java.security.interfaces.ECPublicKey key = (java.security.interfaces.ECPublicKey) WebPushSubscriber.decode(point);
      if (!com.nimbusds.jose.JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())
          || !jwt.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(key))) {
        return false;
      }
      String origin = url.scheme() + "://" + url.host() + (url.port() == okhttp3.HttpUrl.defaultPort(url.scheme()) ? "" : ":" + url.port());
      java.util.Date exp = jwt.getJWTClaimsSet().getExpirationTime();
      long now = System.currentTimeMillis();
      boolean ok = jwt.getJWTClaimsSet().getAudience().contains(origin) && exp != null && exp.getTime() > now
          && exp.getTime() <= now + 24L * 3600 * 1000 + 60_000;
      if (ok) {
        if (verifiedTokens.size() > 10_000) {
          verifiedTokens.clear();
        }
        verifiedTokens.add(authorization);
      }
      return ok;
    } catch (java.text.ParseException | com.nimbusds.jose.JOSEException | GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static MockResponse status(int code, String why) {
    return new MockResponse.Builder().code(code).body(why).build();
  }

  @Override
  public void close() {
    server.close();
  }
}
