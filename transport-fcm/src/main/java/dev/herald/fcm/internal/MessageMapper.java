package dev.herald.fcm.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.Content;
import dev.herald.DeliveryOptions;
import dev.herald.Urgency;
import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps Herald content and options onto an FCM HTTP v1 {@code Message}, and checks the FCM-specific
 * rules a {@link Content} does not know about.
 *
 * <p>One collapse identifier serves every platform ({@code android.collapse_key},
 * {@code android.notification.tag}, {@code apns-collapse-id}, Web Push {@code Topic}), so a repeat
 * of the same notification replaces itself on the device wherever it lands.
 */
public final class MessageMapper {
  /** FCM's payload limit, for data alone and for title, body and data together. */
  public static final int MAX_PAYLOAD_BYTES = 4096;
  private MessageMapper() {}

  /**
   * Records every FCM-specific problem of the content: reserved data keys (FCM's data reference:
   * "from", "message_type", or any word starting with "google" or "gcm"; matched ignoring case, as
   * the clients do) and the 4096-byte payload limit. Fields are named {@code content.data...}.
   */
  public static void checkContent(Checks c, Content content) {
    int dataBytes = 0;
    for (Map.Entry<String, String> e : content.data().entrySet()) {
      String key = e.getKey();
      String lower = key.toLowerCase(Locale.ROOT);
      c.check(!(lower.equals("from") || lower.equals("message_type") || lower.startsWith("google") || lower.startsWith("gcm")),
          "content.data." + key, "is a key reserved by FCM (from, message_type, google*, gcm*): " + Redact.quote(key, 40));
      dataBytes += utf8(key) + utf8(e.getValue());
    }
    c.check(dataBytes <= MAX_PAYLOAD_BYTES, "content.data",
        "must be at most " + MAX_PAYLOAD_BYTES + " bytes (keys and values, UTF-8): " + dataBytes + " bytes");
    int total = dataBytes + utf8(content.title()) + utf8(content.body());
    if (dataBytes <= MAX_PAYLOAD_BYTES) {
      c.check(total <= MAX_PAYLOAD_BYTES, "content.data",
          "with title and body must total at most " + MAX_PAYLOAD_BYTES + " bytes (UTF-8), FCM's payload limit: "
              + total + " bytes");
    }
  }

  /** Records a problem when the collapse key cannot go into every FCM platform field. */
  public static void checkCollapseKey(Checks c, String collapseKey) {
    if (c.required(collapseKey, "collapseKey")) {
      // Web Push Topic is the strictest consumer: at most 32 URL-safe base64 characters (RFC 8030 §5.4),
      // which also keeps apns-collapse-id within Apple's 64 bytes.
      c.check(!collapseKey.isEmpty() && collapseKey.length() <= 32 && Checks.base64Url(collapseKey), "collapseKey",
          "must be 1-32 URL-safe base64 characters: " + Redact.quote(collapseKey, 40));
    }
  }

  /**
   * The JSON request body {@code {"message": {...}}}, plus {@code "validate_only": true} for a dry run.
   * Inputs must have passed {@link #checkContent} and {@link #checkCollapseKey}.
   *
   * @param now the send time, for {@code apns-expiration}
   */
  public static byte[] requestBody(MessageTarget target, Content content, DeliveryOptions options, String collapseKey,
      boolean validateOnly, Instant now) {
    Map<String, Object> root = new LinkedHashMap<>();
    if (validateOnly) {
      root.put("validate_only", Boolean.TRUE);
    }
    root.put("message", message(target, content, options, collapseKey, now));
    return JSONObjectUtils.toJSONString(root).getBytes(StandardCharsets.UTF_8);
  }

  /** The {@code Message} object as nested maps. */
  public static Map<String, Object> message(MessageTarget target, Content content, DeliveryOptions options,
      String collapseKey, Instant now) {
    boolean visible = notEmpty(content.title()) || notEmpty(content.body());
    boolean high = options.urgency() == Urgency.HIGH;
    long ttlSeconds = options.timeToLive().getSeconds(); // floor: never promise longer than allowed

    Map<String, Object> message = new LinkedHashMap<>();
    message.put(target.field(), target.value());

    if (visible) {
      Map<String, Object> notification = new LinkedHashMap<>();
      putIfPresent(notification, "title", content.title());
      putIfPresent(notification, "body", content.body());
      if (content.image() != null) {
        notification.put("image", content.image().toString());
      }
      message.put("notification", notification);
    }
    if (!content.data().isEmpty()) {
      message.put("data", new LinkedHashMap<>(content.data()));
    }

    Map<String, Object> android = new LinkedHashMap<>();
    android.put("priority", high ? "high" : "normal");
    android.put("ttl", ttlSeconds + "s");
    android.put("collapse_key", collapseKey);
    if (visible) {
      // Only with a visible notification: an android.notification block on a data-only message
      // would make the Android client show an empty notification.
      android.put("notification", Map.of("tag", collapseKey));
    }
    message.put("android", android);

    Map<String, Object> apnsHeaders = new LinkedHashMap<>();
    // Apple: priority 10 is an error for a background (content-available only) notification, and
    // FCM's data reference says data-only messages to iOS allow only priority 5.
    apnsHeaders.put("apns-priority", visible && high ? "10" : "5");
    apnsHeaders.put("apns-push-type", visible ? "alert" : "background");
    // 0 tells APNs to try once and not store; otherwise the epoch second the message expires.
    apnsHeaders.put("apns-expiration", ttlSeconds == 0 ? "0" : Long.toString(now.getEpochSecond() + ttlSeconds));
    apnsHeaders.put("apns-collapse-id", collapseKey); // <= 32 ASCII characters, within Apple's 64 bytes
    Map<String, Object> apns = new LinkedHashMap<>();
    apns.put("headers", apnsHeaders);
    if (!visible) {
      apns.put("payload", Map.of("aps", Map.of("content-available", 1)));
    }
    message.put("apns", apns);

    Map<String, Object> webpushHeaders = new LinkedHashMap<>();
    webpushHeaders.put("TTL", Long.toString(ttlSeconds));
    webpushHeaders.put("Urgency", options.urgency().headerValue());
    webpushHeaders.put("Topic", collapseKey);
    Map<String, Object> webpush = new LinkedHashMap<>();
    webpush.put("headers", webpushHeaders);
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
