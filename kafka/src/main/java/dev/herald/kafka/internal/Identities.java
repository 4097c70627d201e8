package dev.herald.kafka.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/** Text rules and hashing for event identities. */
public final class Identities {
  /** Longest identity used as is (see {@code EventIdentity.MAX_LENGTH}). */
  public static final int MAX_LENGTH = 200;

  private Identities() {}

  /** Whether {@code id} is used as is: 1 to 200 characters without control characters. */
  public static boolean acceptable(String id) {
    return !id.isEmpty() && id.length() <= MAX_LENGTH && printable(id);
  }

  /** {@code id} when {@link #acceptable}, else {@code "sha256:" + base64url(SHA-256(UTF-8 of id))}. */
  public static String normalize(String id) {
    Objects.requireNonNull(id, "id");
    return acceptable(id) ? id : "sha256:" + sha256(id.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The same rule as Herald's idempotency keys ({@code Checks.identifier}): no control character, no
   * unpaired surrogate, no format character. An identity outside it is hashed, so that the key built
   * from it is always one {@code Notification} accepts.
   */
  public static boolean printable(String s) {
    return dev.herald.internal.Checks.identifier(s);
  }

  /** SHA-256 of the bytes, base64url without padding (43 characters). */
  public static String sha256(byte[] bytes) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
