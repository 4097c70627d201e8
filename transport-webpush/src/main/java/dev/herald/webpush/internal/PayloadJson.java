package dev.herald.webpush.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.CollapseKeys;
import dev.herald.Content;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON payloads of {@link dev.herald.webpush.PayloadFormat}. {@code tag} is the display tag, so
 * that a repeated message replaces the notification on screen instead of adding a second one;
 * {@code data} always carries the notification id, so that a service worker can drop a repeat of
 * what it already handled. Absent fields are omitted.
 */
public final class PayloadJson {
  /** The Declarative Web Push marker's value: the RFC that defines Web Push. */
  public static final int DECLARATIVE_WEB_PUSH = 8030;

  private PayloadJson() {}

  /**
   * The service-worker JSON:
   * {@code {"title":"…","body":"…","data":{…,"herald_id":"…"},"image":"https://…","clickUrl":"https://…","tag":"…"}}.
   */
  public static byte[] encode(Content content, String tag, String id) {
    Map<String, Object> json = new LinkedHashMap<>(8);
    putIfPresent(json, "title", content.title());
    putIfPresent(json, "body", content.body());
    json.put("data", data(content, id));
    if (content.image() != null) {
      json.put("image", content.image().toString());
    }
    if (content.clickUrl() != null) {
      json.put("clickUrl", content.clickUrl().toString());
    }
    putIfPresent(json, "tag", tag);
    return utf8(json);
  }

  /**
   * The Declarative Web Push JSON: {@code {"web_push":8030,"notification":{"title":"…","body":"…",
   * "navigate":"https://…","tag":"…","image":"https://…","data":{…,"herald_id":"…"}}}}. The content
   * must have a title.
   */
  public static byte[] declarative(Content content, String tag, String id, URI defaultNavigate) {
    Map<String, Object> notification = new LinkedHashMap<>(8);
    notification.put("title", content.title());
    putIfPresent(notification, "body", content.body());
    URI click = content.clickUrl();
    notification.put("navigate", (click != null && navigable(click) ? click : defaultNavigate).toString());
    putIfPresent(notification, "tag", tag);
    if (content.image() != null) {
      notification.put("image", content.image().toString());
    }
    notification.put("data", data(content, id));
    Map<String, Object> json = new LinkedHashMap<>(2);
    json.put("web_push", DECLARATIVE_WEB_PUSH);
    json.put("notification", notification);
    return utf8(json);
  }

  /** True for an absolute http or https URL, what a declarative {@code navigate} may be. */
  public static boolean navigable(URI uri) {
    return uri.isAbsolute() && uri.getHost() != null
        && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
  }

  private static Map<String, String> data(Content content, String id) {
    Map<String, String> data = new LinkedHashMap<>(content.data());
    data.put(CollapseKeys.ID_DATA_KEY, id);
    return data;
  }

  private static byte[] utf8(Map<String, Object> json) {
    return JSONObjectUtils.toJSONString(json).getBytes(StandardCharsets.UTF_8);
  }

  private static void putIfPresent(Map<String, Object> json, String key, String value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
