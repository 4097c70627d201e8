package dev.herald.webpush.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.Content;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The default message payload: a compact JSON object a service worker can pass straight to
 * {@code showNotification}. Absent fields are omitted. {@code tag} is the collapse key, so that a
 * repeated message replaces the notification on screen instead of adding a second one.
 *
 * <pre>{@code
 * {"title":"…","body":"…","data":{"k":"v"},"image":"https://…","clickUrl":"https://…","tag":"…"}
 * }</pre>
 */
public final class PayloadJson {
  private PayloadJson() {}

  /** UTF-8 JSON of the content and tag. */
  public static byte[] encode(Content content, String tag) {
    Map<String, Object> json = new LinkedHashMap<>(8);
    putIfPresent(json, "title", content.title());
    putIfPresent(json, "body", content.body());
    if (!content.data().isEmpty()) {
      json.put("data", content.data());
    }
    if (content.image() != null) {
      json.put("image", content.image().toString());
    }
    if (content.clickUrl() != null) {
      json.put("clickUrl", content.clickUrl().toString());
    }
    putIfPresent(json, "tag", tag);
    return JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8);
  }

  private static void putIfPresent(Map<String, Object> json, String key, String value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
