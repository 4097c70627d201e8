package dev.herald.testing.webpush;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.DeviceTarget;
import dev.herald.testing.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One request {@link FakePushService} received, with what the subscriber made of its body and what
 * the service answered. {@link #toString()} shows neither the endpoint nor the payload.
 *
 * @param receivedAt when it arrived, on the service's clock
 * @param path the endpoint's path
 * @param subscription the subscription it was for, or null for an unknown endpoint or a
 *     {@link FakePushService#relay relay}
 * @param headers the request's headers (names in lower case)
 * @param vapidClaims the VAPID JWT's claims, or null when it had no readable one
 * @param body the encrypted body as received
 * @param payload what the subscriber decrypted, or null when it could not (or the browser is elsewhere)
 * @param decryptionFailure why the subscriber could not decrypt it, or null
 * @param problems why the push service refused it (empty when it was well formed)
 * @param reply what it was answered (null while an answer function decides)
 */
public record PushRequest(Instant receivedAt, String path, DeviceTarget.WebPushSubscription subscription,
    Map<String, String> headers, Map<String, Object> vapidClaims, byte[] body, byte[] payload,
    String decryptionFailure, List<String> problems, Reply reply) {

  /** A header by name (any case), or null. */
  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  /** The length of the encrypted body. */
  public int bodyLength() {
    return body.length;
  }

  /** The decrypted payload as UTF-8 text, or null. */
  public String text() {
    return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
  }

  /**
   * The decrypted payload as a JSON object.
   *
   * @throws IllegalStateException when it did not decrypt or is not a JSON object
   */
  public Map<String, Object> json() {
    if (payload == null) {
      throw new IllegalStateException("the payload did not decrypt: " + decryptionFailure);
    }
    try {
      return JSONObjectUtils.parse(text());
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("the payload is not a JSON object", e);
    }
  }

  /** Whether the push service took the message in. */
  public boolean accepted() {
    return problems.isEmpty() && reply.accepted();
  }

  @Override
  public String toString() {
    return "PushRequest[" + (path.length() > 8 ? path.substring(0, 8) + "…" : path) + ", problems=" + problems
        + (decryptionFailure == null ? "" : ", not decrypted: " + decryptionFailure) + ", reply=" + reply + "]";
  }
}
