package dev.herald.testing.fcm;

import dev.herald.testing.Reply;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One request {@link FakeFcm}'s {@code messages:send} endpoint received, with what it answered.
 * {@link #toString()} shows neither the access token nor the device address.
 *
 * @param receivedAt when it arrived, on the fake's clock
 * @param httpVersion {@code HTTP/1.1} or {@code HTTP/2}
 * @param project the Firebase project of the {@code messages:send} path, or null when the path is no such one
 * @param accessToken the bearer token it carried, or null
 * @param body the parsed JSON body ({@code message}, {@code validate_only}), or null when it was not JSON
 * @param problems why FCM would refuse it (empty when well formed): a wrong path, token, content type or field
 * @param reply what it was answered
 */
public record FcmRequest(Instant receivedAt, String httpVersion, String project, String accessToken, Map<String, Object> body,
    List<String> problems, Reply reply) {

  /** The {@code message} object, or null. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> message() {
    return body != null && body.get("message") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  /** The message's target: its {@code token}, {@code fid}, {@code topic} or {@code condition}, or null. */
  public String target() {
    Map<String, Object> m = message();
    if (m == null) {
      return null;
    }
    for (String t : FakeFcm.TARGET_FIELDS) {
      if (m.get(t) instanceof String s) {
        return s;
      }
    }
    return null;
  }

  /** The message's {@code data} (empty when it has none). */
  @SuppressWarnings("unchecked")
  public Map<String, String> data() {
    Map<String, Object> m = message();
    return m != null && m.get("data") instanceof Map<?, ?> d ? (Map<String, String>) d : Map.of();
  }

  /** A nested object of the message by its path ({@code "android", "notification"}), or null. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> object(String... path) {
    Map<String, Object> at = message();
    for (String p : path) {
      if (at == null || !(at.get(p) instanceof Map<?, ?> next)) {
        return null;
      }
      at = (Map<String, Object>) next;
    }
    return at;
  }

  /** Whether the request asked for a dry run ({@code validate_only}). */
  public boolean validateOnly() {
    return body != null && Boolean.TRUE.equals(body.get("validate_only"));
  }

  /** Whether FCM took the message in. */
  public boolean accepted() {
    return problems.isEmpty() && reply.accepted();
  }

  @Override
  public String toString() {
    String t = target();
    return "FcmRequest[" + httpVersion + ", project=" + project + ", target=" + (t == null ? null : t.substring(0, Math.min(6, t.length())) + "…")
        + ", problems=" + problems + ", reply=" + reply + "]";
  }
}
