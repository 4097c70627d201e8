package dev.herald.reliability.support;

import dev.herald.DeviceTarget;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.FcmRequest;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.testing.webpush.PushRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The push services of the suite and the devices behind them: herald-testing's {@link FakeFcm} and
 * {@link FakePushService}, which check every request as Google's and a browser vendor's services do
 * (the OAuth2 assertion and access token, FCM's message rules, the VAPID key the subscription was
 * made with, RFC 8291 encryption the browser must undo), answer well-formed requests as the
 * {@link Plan} says, and keep messages for offline devices by FCM's storage rule. Everything is
 * written to the {@link Ledger}: each request with the idempotency key and what it carried (read
 * from FCM's {@code message.data} or from the payload the browser decrypted), each message that
 * reached a device, each request refused for the sender's credentials, each one nobody could read.
 */
public final class Devices implements AutoCloseable {
  /** The data entry that carries the idempotency key in this suite's notifications. */
  public static final String KEY_FIELD = "key";
  /** The fakes keep only their latest requests: the ledger counts, and long runs must not fill the heap. */
  private static final int HISTORY = 200;

  /** What one request carried, for the ledger; {@code key} is null when it could not be read. */
  private record Read(String key, String device, String tag, Ledger.Carried carried) {}

  private final Ledger ledger;
  private final FakeFcm fcm;
  private final FakePushService webPush;
  private final Map<String, DeviceTarget.WebPushSubscription> browsers = new ConcurrentHashMap<>();
  private volatile Plan plan = Plan.none();

  /** Starts both services; browsers subscribe with {@code vapidPublicKey} (base64url), so other keys get 403. */
  public Devices(Ledger ledger, String vapidPublicKey) {
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.fcm = FakeFcm.builder().history(HISTORY).build();
    try {
      this.webPush = FakePushService.builder().applicationServerKey(vapidPublicKey).history(HISTORY).build();
    } catch (RuntimeException e) {
      fcm.close();
      throw e;
    }
    fcm.answerWith(r -> decide("fcm", read(r).key()));
    fcm.onRequest(r -> {
      if (!r.problems().isEmpty()) {
        refused(r.problems().get(0).startsWith("Authorization"));
      } else {
        record("fcm", read(r), r.reply(), r.receivedAt().toEpochMilli());
      }
    });
    fcm.onDelivery(r -> reached(read(r)));
    webPush.answerWith(r -> decide("webpush", read(r).key()));
    webPush.onRequest(r -> {
      if (!r.problems().isEmpty()) {
        refused(r.reply().status() == 401 || r.reply().status() == 403);
      } else {
        record("webpush", read(r), r.reply(), r.receivedAt().toEpochMilli());
      }
    });
    webPush.onDelivery(r -> reached(read(r)));
  }

  /** The fake FCM and its token endpoint. */
  public FakeFcm fcm() {
    return fcm;
  }

  /** The fake push service. */
  public FakePushService webPush() {
    return webPush;
  }

  /** From now on, well-formed requests are answered as {@code plan} says. */
  public void plan(Plan plan) {
    this.plan = Objects.requireNonNull(plan, "plan");
  }

  /** The registration token of the Android app instance called {@code name}. */
  public static DeviceTarget.FcmToken phone(String name) {
    return new DeviceTarget.FcmToken("tok_" + name);
  }

  /** A new browser subscription at the push service, remembered as {@code name}. */
  public DeviceTarget.WebPushSubscription browser(String name) {
    DeviceTarget.WebPushSubscription s = webPush.subscribe();
    browsers.put(name, s);
    return s;
  }

  /**
   * The subscription of the browser {@link #browser(String) subscribed} as {@code name}.
   *
   * @throws IllegalArgumentException when none was
   */
  public DeviceTarget.WebPushSubscription browserOf(String name) {
    DeviceTarget.WebPushSubscription s = browsers.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no browser subscribed as " + name);
    }
    return s;
  }

  private Reply decide(String service, String key) {
    // A request the ledger cannot attribute is taken in, as a real service would; record() counts it.
    return key == null ? Reply.accept() : plan.decide(service, key, ledger.nextAttempt(key));
  }

  private void record(String service, Read read, Reply reply, long receivedMillis) {
    if (read.key() == null) {
      ledger.unreadable();
      return;
    }
    String retryAfter = reply.headers().get("Retry-After");
    ledger.record(new Ledger.Request(receivedMillis, System.currentTimeMillis(), service, read.device(),
        read.key(), read.tag(), reply, retryAfter == null ? null : Integer.valueOf(retryAfter)), read.carried());
  }

  private void refused(boolean credentials) {
    if (credentials) {
      ledger.rejectedAuth();
    } else {
      ledger.unreadable();
    }
  }

  private void reached(Read read) {
    if (read.key() != null) {
      ledger.reachedDevice(read.device(), read.key(), read.tag());
    }
  }

  /**
   * An FCM message's key and id ({@code message.data}), its display tags ({@code android.notification.tag},
   * {@code apns-collapse-id}, {@code webpush.notification.tag}) and push-service collapse keys
   * ({@code android.collapse_key}, {@code webpush.headers.Topic}). What an Android device shows is
   * replaced by {@code android.notification.tag}; a data message has none, so its id stands in.
   */
  private static Read read(FcmRequest r) {
    Map<String, String> data = r.data();
    String key = data.get(KEY_FIELD);
    String id = data.get("herald_id");
    List<String> tags = new ArrayList<>();
    List<String> serviceKeys = new ArrayList<>();
    Map<String, Object> android = r.object("android");
    serviceKeys.add(android == null ? null : (String) android.get("collapse_key"));
    Map<String, Object> androidNotification = r.object("android", "notification");
    if (androidNotification != null) {
      tags.add(String.valueOf(androidNotification.get("tag")));
    }
    Map<String, Object> apns = r.object("apns", "headers");
    tags.add(apns == null ? null : String.valueOf(apns.get("apns-collapse-id")));
    Map<String, Object> webpushHeaders = r.object("webpush", "headers");
    serviceKeys.add(webpushHeaders == null ? null : (String) webpushHeaders.get("Topic"));
    Map<String, Object> webNotification = r.object("webpush", "notification");
    if (webNotification != null) {
      tags.add(String.valueOf(webNotification.get("tag")));
    }
    String tag = androidNotification != null ? String.valueOf(androidNotification.get("tag")) : id;
    return new Read(key, r.target(), tag, new Ledger.Carried(tags, serviceKeys, id));
  }

  /**
   * A Web Push message's key, id and display tag, from the decrypted payload: the service-worker
   * JSON, or Declarative Web Push, whose fields are in {@code notification}; its push-service
   * collapse key is the {@code Topic} header.
   */
  @SuppressWarnings("unchecked")
  private static Read read(PushRequest r) {
    if (r.payload() == null) {
      return new Read(null, r.path(), null, null);
    }
    Map<String, Object> json;
    try {
      json = r.json();
    } catch (IllegalStateException e) {
      return new Read(null, r.path(), null, null);
    }
    Map<String, Object> shown = json.containsKey("web_push") && json.get("notification") instanceof Map<?, ?> declared
        ? (Map<String, Object>) declared : json;
    Map<?, ?> data = shown.get("data") instanceof Map<?, ?> d ? d : Map.of();
    String key = data.get(KEY_FIELD) instanceof String k ? k : null;
    String id = data.get("herald_id") instanceof String i ? i : null;
    String tag = String.valueOf(shown.get("tag"));
    List<String> serviceKeys = new ArrayList<>();
    serviceKeys.add(r.header("Topic"));
    return new Read(key, r.path(), tag, new Ledger.Carried(List.of(tag), serviceKeys, id));
  }

  @Override
  public void close() {
    try {
      fcm.close();
    } finally {
      webPush.close();
    }
  }
}
