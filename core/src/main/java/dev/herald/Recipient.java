package dev.herald;

import dev.herald.internal.Checks;
import dev.herald.internal.Redact;
import java.util.Objects;

/**
 * Who a notification is for: a recipient id that is expanded, when the notification falls due, to
 * every device registered for it at that moment; or one explicit device.
 */
public sealed interface Recipient {

  /** A recipient id (a member, a user, an account) expanded at due time to its registered devices. */
  static Recipient id(String recipientId) {
    return new ById(recipientId);
  }

  /** One explicit device, not looked up in the device registry. */
  static Recipient device(DeviceTarget target) {
    return new ToDevice(target);
  }

  /**
   * A recipient id, expanded at due time.
   *
   * @param recipientId 1 to 255 characters without control or format characters (such as U+202E)
   *     or unpaired surrogates
   */
  record ById(String recipientId) implements Recipient {
    /** Validates the id. */
    public ById {
      Checks c = Checks.of("");
      if (c.required(recipientId, "recipientId")) {
        c.check(!recipientId.isEmpty() && recipientId.length() <= 255 && Checks.identifier(recipientId),
            "recipientId", "must be 1-255 characters without control or format characters or unpaired surrogates: "
                + Redact.quote(recipientId, 40));
      }
      c.throwIfInvalid("recipient");
    }
  }

  /**
   * One explicit device.
   *
   * @param target the device
   */
  record ToDevice(DeviceTarget target) implements Recipient {
    /** Requires the target. */
    public ToDevice {
      Objects.requireNonNull(target, "target");
    }
  }
}
