package dev.herald.fcm.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.DeliveryOptions;
import dev.herald.Urgency;
import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps Herald content and options onto an FCM HTTP v1 {@code Message}, and checks the FCM-specific
 * rules a {@link Content} does not know about.
 *
 * <p>What collapses where (see {@link dev.herald.CollapseKeys}): the display tag goes into every
 * field that replaces a notification on the screen ({@code android.notification.tag},
 * {@code apns-collapse-id}, {@code webpush.notification.tag}); {@code android.collapse_key} and
 * {@code webpush.headers.Topic}, which make FCM drop pending messages of an offline device, are set
 * only from a collapse key the host named. The notification id is always in {@code data}.
 */
public final class MessageMapper {
  /** FCM's message size limit, checked on the message as Herald serialises it (see {@link Encoded}). */
  public static final int MAX_PAYLOAD_BYTES = 4096;
  // The longest TTL and a 32-character collapse key: the largest options a content can be sent with.
  private static final Duration LONGEST_TTL = Duration.ofDays(DeliveryOptions.MAX_TTL_DAYS);
  private static final String LONGEST_COLLAPSE_KEY = "x".repeat(32);
  private static final String SIZING_ID = "x".repeat(32);
  // Any time from 2001 to 2286 writes apns-expiration with ten digits.
  private static final Instant SIZING_NOW = Instant.ofEpochSecond(1_000_000_000L);

  private MessageMapper() {}

  /**
   * A message ready to send.
   *
   * @param body the JSON request body {@code {"message": {...}}}
   * @param countedBytes the size checked against {@link #MAX_PAYLOAD_BYTES}: the UTF-8 JSON of the
   *     message as sent, without its target (the device address is not payload, and is unknown when
   *     a notification to a recipient is checked at enqueue). FCM counts less than this (its limit is
   *     on the payload it builds), so nothing that passes can come back as "message too big".
   */
  public record Encoded(byte[] body, int countedBytes) {}

  /**
   * Records every FCM-specific problem of the content alone: reserved data keys (FCM's data
   * reference: "from", "message_type", or any word starting with "google" or "gcm"; matched ignoring
   * case, as the clients do) and data over 4096 bytes. Fields are named {@code content.data...}.
   */
  public static void checkContent(Checks c, Content content) {
    for (String key : content.data().keySet()) {
      String lower = key.toLowerCase(Locale.ROOT);
      c.check(!(lower.equals("from") || lower.equals("message_type") || lower.startsWith("google") || lower.startsWith("gcm")),
          "content.data." + key, "is a key reserved by FCM (from, message_type, google*, gcm*): " + Redact.quote(key, 40));
    }
    int dataBytes = dataBytes(content);
    c.check(dataBytes <= MAX_PAYLOAD_BYTES, "content.data",
        "must be at most " + MAX_PAYLOAD_BYTES + " bytes (keys and values, UTF-8): " + dataBytes + " bytes");
  }

  /** Records a problem when the encoded message is over FCM's limit (see {@link Encoded#countedBytes}). */
  public static void checkSize(Checks c, Content content, Encoded encoded) {
    // Data alone over the limit was reported by checkContent, naming the data.
    if (dataBytes(content) <= MAX_PAYLOAD_BYTES) {
      c.check(encoded.countedBytes() <= MAX_PAYLOAD_BYTES, "content", "must fit FCM's " + MAX_PAYLOAD_BYTES
          + "-byte message limit, counted as the message JSON Herald sends without the device address: "
          + encoded.countedBytes() + " bytes; shorten the title, body or data");
    }
  }

  /**
   * Checks the content as it would be encoded with the largest options any notification can have
   * (longest time to live, a 32-character collapse key, either priority), so that content that
   * passes fits whatever options it is sent with.
   */
  public static void checkContentForAnyOptions(Checks c, Content content) {
    checkContent(c, content);
    if (!c.ok()) {
      return;
    }
    Encoded largest = null;
    for (Urgency u : Urgency.values()) {
      Encoded e = encode(null, content, new DeliveryOptions(LONGEST_TTL, u, LONGEST_COLLAPSE_KEY), LONGEST_COLLAPSE_KEY,
          SIZING_ID, false, SIZING_NOW);
      if (largest == null || e.countedBytes() > largest.countedBytes()) {
        largest = e;
      }
    }
    checkSize(c, content, largest);
  }

  /** Records a problem when the display tag cannot go into every FCM platform field. */
  public static void checkCollapseKey(Checks c, String collapseKey) {
    if (c.required(collapseKey, "collapseKey")) {
      // Web Push Topic is the strictest consumer: at most 32 URL-safe base64 characters (RFC 8030 §5.4),
      // which also keeps apns-collapse-id within Apple's 64 bytes.
      c.check(!collapseKey.isEmpty() && collapseKey.length() <= 32 && Checks.base64Url(collapseKey), "collapseKey",
          "must be 1-32 URL-safe base64 characters: " + Redact.quote(collapseKey, 40));
    }
  }

  /**
   * Encodes the request body {@code {"message": {...}}}, plus {@code "validate_only": true} for a
   * dry run. Inputs must have passed {@link #checkContent} and {@link #checkCollapseKey}.
   *
   * @param target the target, or null to size a message whose device is not known yet
   * @param tag the display tag
   * @param id the notification id, sent as data {@value CollapseKeys#ID_DATA_KEY}
   * @param now the send time, for {@code apns-expiration}
   */
  public static Encoded encode(MessageTarget target, Content content, DeliveryOptions options, String tag, String id,
      boolean validateOnly, Instant now) {
    Map<String, Object> payload = payload(content, options, tag, id, now);
    int counted = JSONObjectUtils.toJSONString(payload).getBytes(StandardCharsets.UTF_8).length;
    Map<String, Object> message = new LinkedHashMap<>();
    if (target != null) {
      message.put(target.field(), target.value());
    }
    message.putAll(payload);
    Map<String, Object> root = new LinkedHashMap<>();
    if (validateOnly) {
      root.put("validate_only", Boolean.TRUE);
    }
    root.put("message", message);
    return new Encoded(JSONObjectUtils.toJSONString(root).getBytes(StandardCharsets.UTF_8), counted);
  }

  /** The {@code Message} object without its target, as nested maps. */
  static Map<String, Object> payload(Content content, DeliveryOptions options, String tag, String id, Instant now) {
    boolean visible = notEmpty(content.title()) || notEmpty(content.body());
    boolean high = options.urgency() == Urgency.HIGH;
    long ttlSeconds = options.timeToLive().getSeconds(); // floor: never promise longer than allowed
    String serviceCollapseKey = options.collapseKey();

    Map<String, Object> message = new LinkedHashMap<>();
    if (visible) {
      Map<String, Object> notification = new LinkedHashMap<>();
      putIfPresent(notification, "title", content.title());
      putIfPresent(notification, "body", content.body());
      if (content.image() != null) {
        notification.put("image", content.image().toString());
      }
      message.put("notification", notification);
    }
    Map<String, Object> data = new LinkedHashMap<>(content.data());
    data.put(CollapseKeys.ID_DATA_KEY, id); // lets app code drop a repeat of a data-only message
    message.put("data", data);

    Map<String, Object> android = new LinkedHashMap<>();
    android.put("priority", high ? "high" : "normal");
    android.put("ttl", ttlSeconds + "s");
    if (serviceCollapseKey != null) {
      // FCM keeps at most four collapse keys per offline device: only when the host asked for it.
      android.put("collapse_key", serviceCollapseKey);
    }
    if (visible) {
      // Only with a visible notification: an android.notification block on a data-only message
      // would make the Android client show an empty notification.
      android.put("notification", Map.of("tag", tag));
    }
    message.put("android", android);

    Map<String, Object> apnsHeaders = new LinkedHashMap<>();
    // Apple: priority 10 is an error for a background (content-available only) notification, and
    // FCM's data reference says data-only messages to iOS allow only priority 5.
    apnsHeaders.put("apns-priority", visible && high ? "10" : "5");
    apnsHeaders.put("apns-push-type", visible ? "alert" : "background");
    // 0 tells APNs to try once and not store; otherwise the epoch second the message expires.
    apnsHeaders.put("apns-expiration", ttlSeconds == 0 ? "0" : Long.toString(now.getEpochSecond() + ttlSeconds));
    // Display level: APNs keeps only the latest pending notification per app anyway.
    apnsHeaders.put("apns-collapse-id", tag); // <= 32 ASCII characters, within Apple's 64 bytes
    Map<String, Object> apns = new LinkedHashMap<>();
    apns.put("headers", apnsHeaders);
    if (!visible) {
      apns.put("payload", Map.of("aps", Map.of("content-available", 1)));
    }
    message.put("apns", apns);

    Map<String, Object> webpushHeaders = new LinkedHashMap<>();
    webpushHeaders.put("TTL", Long.toString(ttlSeconds));
    webpushHeaders.put("Urgency", options.urgency().headerValue());
    if (serviceCollapseKey != null) {
      // RFC 8030 Topic: the push service (FCM itself, for Chrome) replaces a pending message.
      webpushHeaders.put("Topic", serviceCollapseKey);
    }
    Map<String, Object> webpush = new LinkedHashMap<>();
    webpush.put("headers", webpushHeaders);
    if (visible) {
      // Merged by FCM with message.notification's title and body into the browser's notification.
      webpush.put("notification", Map.of("tag", tag));
    }
    if (content.clickUrl() != null && "https".equalsIgnoreCase(content.clickUrl().getScheme())) {
      // FCM accepts only https links; Android and iOS have no URL field (put deep links in data).
      webpush.put("fcm_options", Map.of("link", content.clickUrl().toString()));
    }
    message.put("webpush", webpush);
    return message;
  }

  private static void putIfPresent(Map<String, Object> map, String key, String value) {
    if (notEmpty(value)) {
      map.put(key, value);
    }
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  private static int dataBytes(Content content) {
    int n = 0;
    for (Map.Entry<String, String> e : content.data().entrySet()) {
      n += utf8(e.getKey()) + utf8(e.getValue());
    }
    return n;
  }

  private static int utf8(String s) {
    if (s == null) {
      return 0;
    }
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x80) {
        n += 1;
      } else if (ch < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
