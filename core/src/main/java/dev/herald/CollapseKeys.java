package dev.herald;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Derives the collapse identifier from an idempotency key, so that a message sent twice (the crash
 * window between "the push service accepted it" and "the outcome was recorded") replaces itself on
 * the device instead of showing twice.
 *
 * <p>The result is 32 URL-safe base64 characters (192 bits of SHA-256): it fits the Web Push
 * {@code Topic} limit, {@code apns-collapse-id}'s 64 bytes and FCM's {@code collapse_key}.
 */
public final class CollapseKeys {
  private CollapseKeys() {}

  /** The collapse identifier for a notification key. Deterministic; the same on every instance. */
  public static String fromIdempotencyKey(String idempotencyKey) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The explicit collapse key of the options, or the one derived from the idempotency key. */
  public static String effective(String idempotencyKey, DeliveryOptions options) {
    return options.collapseKey() != null ? options.collapseKey() : fromIdempotencyKey(idempotencyKey);
  }
}
