package dev.herald;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered device of a recipient.
 *
 * @param recipientId whose device it is
 * @param target how to reach it
 * @param status whether expansion sends to it
 * @param registeredAt first registration
 * @param lastSeenAt last register or touch
 * @param invalidatedAt when it became invalid or retired, or null
 * @param invalidReason the provider's raw code and reason, or why it was retired, or null
 */
public record Device(String recipientId, DeviceTarget target, Status status, Instant registeredAt, Instant lastSeenAt,
    Instant invalidatedAt, String invalidReason) {

  /** Validates. */
  public Device {
    Objects.requireNonNull(recipientId, "recipientId");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(status, "status");
  }

  /** Whether a device receives sends. */
  public enum Status {
    /** Receives sends. */
    ACTIVE,
    /** Not seen for the stale period; skipped until it registers or touches again. */
    STALE,
    /** The push service said it is gone; skipped until it registers again. */
    INVALID,
    /** Replaced by a newer identity of the same app instance (token moved to installation id). */
    RETIRED
  }
}
