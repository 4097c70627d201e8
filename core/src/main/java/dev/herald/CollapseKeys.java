package dev.herald;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The identifiers Herald derives from a notification's idempotency key, and what collapses where.
 *
 * <p><b>The notification id</b> ({@link #fromIdempotencyKey}): 32 URL-safe base64 characters (192
 * bits of SHA-256 of the key), the same on every instance. Every message carries it in its data
 * under {@value #ID_DATA_KEY}, so that app code can drop a repeat of a message it already handled
 * (a data-only message has no notification on screen that a repeat could replace).
 *
 * <p><b>On the device's screen</b>, a notification replaces an earlier one with the same tag:
 * Android's {@code notification.tag}, {@code apns-collapse-id}, the {@code tag} of the Web Push
 * payload and FCM's {@code webpush.notification.tag}. The tag is the host's collapse key when it
 * named one, otherwise the notification id ({@link #effective}). This costs nothing while a device is
 * offline and hides a repeat sent in the one crash window Herald cannot close on the server.
 *
 * <p><b>At the push service</b>, FCM's {@code android.collapse_key} and Web Push {@code Topic}
 * (also FCM's {@code webpush.headers.Topic}) keep only the latest pending message per key, and FCM
 * stores at most four different collapse keys per offline device, dropping the others. Herald sets
 * them only from a collapse key the host names ({@link DeliveryOptions#collapseKey()}: "only the
 * latest score matters"), never from the notification id, so a device that was offline receives
 * every message (FCM keeps up to 100 non-collapsible ones).
 */
public final class CollapseKeys {
  /** The data entry under which every message carries its notification id. */
  public static final String ID_DATA_KEY = "herald_id";

  private CollapseKeys() {}

  /** The notification id of an idempotency key. Deterministic; the same on every instance. */
  public static String fromIdempotencyKey(String idempotencyKey) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The display tag: the explicit collapse key of the options, or the notification id. */
  public static String effective(String idempotencyKey, DeliveryOptions options) {
    return options.collapseKey() != null ? options.collapseKey() : fromIdempotencyKey(idempotencyKey);
  }
}
