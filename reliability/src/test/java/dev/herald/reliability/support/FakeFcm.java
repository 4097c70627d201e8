package dev.herald.reliability.support;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.DeviceTarget;
import dev.herald.examples.sim.SimulatedFcm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * Google's OAuth2 token endpoint and FCM HTTP v1 on 127.0.0.1, answering as they do: the token
 * endpoint exchanges a JWT-bearer assertion for an access token (or fails as told: 500, or 400
 * {@code invalid_grant} for a revoked key); {@code messages:send} requires a token it issued (401
 * {@code UNAUTHENTICATED} otherwise), reads the idempotency key and {@code herald_id} from
 * {@code message.data}, the display tags ({@code android.notification.tag}, {@code apns-collapse-id},
 * {@code webpush.notification.tag}) and push-service collapse keys ({@code android.collapse_key},
 * {@code webpush.headers.Topic}), records them in the {@link Ledger} and answers as the
 * {@link Fault.Plan} says, with FCM's {@code google.rpc.Status} error bodies. An accepted message
 * reaches its device at once, or, while the device is {@link #offline offline}, is kept by FCM's
 * rule for offline devices ({@link OfflineStore}: at most four collapse keys) until it comes back.
 */
public final class FakeFcm implements AutoCloseable {
  /** The project of the generated service account. */
  public static final String PROJECT = "herald-reliability";

  /** How the token endpoint behaves. */
  public enum TokenMode {
    /** Issue tokens. */
    OK,
    /** 500 with an HTML body, as an overloaded front end does. */
    SERVER_ERROR,
    /** 400 invalid_grant: the service account key was deleted or revoked. */
    INVALID_GRANT
  }

  private final FakeServer server;
  private final Ledger ledger;
  private final String serviceAccountJson;
  private final Set<String> issued = ConcurrentHashMap.newKeySet();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong tokenRequests = new AtomicLong();
  private volatile TokenMode tokenMode = TokenMode.OK;
  private volatile Fault.Plan plan = Fault.Plan.none();
  private final Map<String, OfflineStore<Stored>> offline = new java.util.HashMap<>();

  /** A message kept for an offline device. */
  private record Stored(String key, String tag) {}

  /** Starts the service with a freshly generated service account whose token_uri points here. */
  public FakeFcm(Ledger ledger) {
    this.ledger = ledger;
    this.server = new FakeServer("fcm", this::answer);
    this.serviceAccountJson = SimulatedFcm.generateServiceAccount(PROJECT, server.url("/token"));
  }

  /** The base URL to configure on the transport. */
  public String baseUrl() {
    return server.url("/");
  }

  /** The token endpoint. */
  public String tokenUri() {
    return server.url("/token");
  }

  /** A service-account JSON (2048-bit key generated at start) for this service. */
  public String serviceAccountJson() {
    return serviceAccountJson;
  }

  /** A registration token of a simulated app instance. */
  public static DeviceTarget.FcmToken device(String name) {
    return new DeviceTarget.FcmToken("tok_" + name);
  }

  /** From now on, answer sends as this plan says. */
  public void plan(Fault.Plan plan) {
    this.plan = plan;
  }

  /** From now on, the token endpoint behaves so; issued tokens stop working unless {@link TokenMode#OK}. */
  public void tokenMode(TokenMode mode) {
    this.tokenMode = mode;
    if (mode != TokenMode.OK) {
      issued.clear(); // the credential was revoked: what was issued with it stops working too
    }
  }

  /** Token requests received. */
  public long tokenRequests() {
    return tokenRequests.get();
  }

  /** From now on, the device {@link #device(String) named so} is offline: accepted messages wait, as FCM keeps them. */
  public void offline(String name) {
    synchronized (offline) {
      offline.putIfAbsent("tok_" + name, new OfflineStore<>(name.hashCode()));
    }
  }

  /**
   * The device comes back: what FCM kept for it reaches it now.
   *
   * @return how many messages reached it
   */
  public int online(String name) {
    OfflineStore<Stored> store;
    synchronized (offline) {
      store = offline.remove("tok_" + name);
    }
    if (store == null) {
      return 0;
    }
    List<Stored> kept = store.drain();
    kept.forEach(m -> ledger.reachedDevice("tok_" + name, m.key(), m.tag()));
    return kept.size();
  }

  /** Every request that reached the service. */
  public long received() {
    return server.received();
  }

  /** The port, for counting client connections. */
  public int port() {
    return server.port();
  }

  private MockResponse answer(RecordedRequest request) {
    long received = System.currentTimeMillis();
    String path = request.getUrl().encodedPath();
    if (path.equals("/token")) {
      return token(request);
    }
    if (!path.equals("/v1/projects/" + PROJECT + "/messages:send")) {
      return error(404, "NOT_FOUND", null);
    }
    String auth = request.getHeaders().get("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !issued.contains(auth.substring(7))) {
      ledger.rejectedAuth();
      return error(401, "UNAUTHENTICATED", null);
    }
    Map<String, Object> message;
    String key;
    String device;
    String id;
    String tag;
    String collapseKey;
    List<String> tags = new ArrayList<>();
    List<String> serviceKeys = new ArrayList<>();
    try {
      message = JSONObjectUtils.getJSONObject(JSONObjectUtils.parse(request.getBody().utf8()), "message");
      Map<String, Object> data = JSONObjectUtils.getJSONObject(message, "data");
      key = data == null ? null : (String) data.get(FakeWebPush.KEY_FIELD);
      id = data == null ? null : (String) data.get("herald_id");
      device = message.get("token") != null ? (String) message.get("token") : (String) message.get("fid");
      Map<String, Object> android = JSONObjectUtils.getJSONObject(message, "android");
      collapseKey = (String) android.get("collapse_key");
      serviceKeys.add(collapseKey);
      Map<String, Object> androidNotification = JSONObjectUtils.getJSONObject(android, "notification");
      if (androidNotification != null) {
        tags.add(String.valueOf(androidNotification.get("tag")));
      }
      Map<String, Object> apns = JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(message, "apns"), "headers");
      tags.add(String.valueOf(apns.get("apns-collapse-id")));
      Map<String, Object> webpush = JSONObjectUtils.getJSONObject(message, "webpush");
      serviceKeys.add((String) JSONObjectUtils.getJSONObject(webpush, "headers").get("Topic"));
      Map<String, Object> webNotification = JSONObjectUtils.getJSONObject(webpush, "notification");
      if (webNotification != null) {
        tags.add(String.valueOf(webNotification.get("tag")));
      }
      // What an Android device shows is replaced by android.notification.tag; a data message has none.
      tag = androidNotification != null ? String.valueOf(androidNotification.get("tag")) : id;
    } catch (java.text.ParseException | RuntimeException e) {
      ledger.unreadable();
      return error(400, "INVALID_ARGUMENT", null);
    }
    if (key == null || device == null) {
      ledger.unreadable();
      return error(400, "INVALID_ARGUMENT", null);
    }
    Fault fault = plan.decide("fcm", key, ledger.nextAttempt(key));
    Integer retryAfter = fault instanceof Fault.Status s ? s.retryAfterSeconds() : null;
    ledger.record(new Ledger.Request(received, System.currentTimeMillis(), "fcm", device, key, tag, fault, retryAfter),
        new Ledger.Carried(tags, serviceKeys, id));
    if (fault.accepted()) {
      boolean kept = false;
      synchronized (offline) {
        OfflineStore<Stored> store = offline.get(device);
        if (store != null) {
          store.store(new Stored(key, tag), collapseKey);
          kept = true;
        }
      }
      if (!kept) {
        ledger.reachedDevice(device, key, tag);
      }
    }
    MockResponse.Builder accept = json(200, Map.of("name", "projects/" + PROJECT + "/messages/" + ids.incrementAndGet()));
    return FakeServer.respond(fault, accept, s -> errorBuilder(s.code(), statusOf(s.code()), fcmCodeOf(s.code())));
  }

  private MockResponse token(RecordedRequest request) {
    tokenRequests.incrementAndGet();
    String form = request.getBody() == null ? "" : request.getBody().utf8();
    if (!form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer") || !form.contains("assertion=")) {
      return json(400, Map.of("error", "invalid_request", "error_description", "assertion required")).build();
    }
    switch (tokenMode) {
      case SERVER_ERROR:
        return new MockResponse.Builder().code(500).addHeader("Content-Type", "text/html")
            .body("<html><body>Internal Server Error</body></html>").build();
      case INVALID_GRANT:
        return json(400, Map.of("error", "invalid_grant", "error_description", "Invalid JWT Signature.")).build();
      default:
        String token = "ya29.fake-" + ids.incrementAndGet();
        issued.add(token);
        return json(200, Map.of("access_token", token, "expires_in", 3599, "token_type", "Bearer")).build();
    }
  }

  private static String statusOf(int code) {
    return switch (code) {
      case 429 -> "RESOURCE_EXHAUSTED";
      case 500 -> "INTERNAL";
      case 503 -> "UNAVAILABLE";
      default -> "UNKNOWN";
    };
  }

  private static String fcmCodeOf(int code) {
    return switch (code) {
      case 429 -> "QUOTA_EXCEEDED";
      case 500 -> "INTERNAL";
      case 503 -> "UNAVAILABLE";
      default -> null;
    };
  }

  private static MockResponse error(int code, String status, String fcmCode) {
    return errorBuilder(code, status, fcmCode).build();
  }

  private static MockResponse.Builder errorBuilder(int code, String status, String fcmCode) {
    Map<String, Object> err = new java.util.LinkedHashMap<>();
    err.put("code", code);
    err.put("message", status);
    err.put("status", status);
    if (fcmCode != null) {
      err.put("details", List.of(Map.of("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode", fcmCode)));
    }
    return json(code, Map.of("error", err));
  }

  private static MockResponse.Builder json(int code, Map<String, ?> body) {
    return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json; charset=UTF-8")
        .body(JSONObjectUtils.toJSONString(new java.util.LinkedHashMap<>(body)));
  }

  @Override
  public void close() {
    server.close();
  }
}
