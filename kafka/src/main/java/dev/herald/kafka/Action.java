package dev.herald.kafka;

import dev.herald.DeviceTarget;
import dev.herald.Notification;
import java.util.Objects;

/**
 * What one event asks of the outbox. An {@link EventMapper} returns zero or more actions per record;
 * the actions of a batch of records are applied in record order, in one database transaction.
 *
 * <p>Every action is safe to apply again when Kafka redelivers its record: an enqueue of a known
 * idempotency key is a no-op, a cancel of a cancelled or unknown key is a no-op, a register is an
 * upsert and an unregister of an unknown device is a no-op.
 *
 * <pre>{@code
 * EventMapper<String, ScheduleEvent> mapper = event -> switch (event.value()) {
 *   case ScheduleCreated c -> List.of(Action.enqueue(Notification.builder("schedule-" + c.id() + ":starts")
 *       .recipient(Recipient.id(c.memberId())).title("Your schedule starts now").notBefore(c.startsAt()).build()));
 *   case ScheduleCancelled c -> List.of(Action.cancel("schedule-" + c.id() + ":starts", "schedule cancelled"));
 *   default -> List.of();
 * };
 * }</pre>
 */
public sealed interface Action {

  /** Enqueues {@code notification}; a no-op when its idempotency key is already known. */
  static Action enqueue(Notification notification) {
    return new Enqueue(notification);
  }

  /** Cancels what is not yet claimed of the notification with this key, reason "cancelled by the host". */
  static Action cancel(String idempotencyKey) {
    return new Cancel(idempotencyKey, Cancel.DEFAULT_REASON);
  }

  /** Cancels what is not yet claimed of the notification with this key, recording {@code reason}. */
  static Action cancel(String idempotencyKey, String reason) {
    return new Cancel(idempotencyKey, reason);
  }

  /** Registers (or refreshes, or revives) a device of {@code recipientId}. */
  static Action register(String recipientId, DeviceTarget target) {
    return new Register(recipientId, target, null);
  }

  /** Registers {@code target} and retires {@code replaces} (an app instance's older identity). */
  static Action register(String recipientId, DeviceTarget target, DeviceTarget replaces) {
    return new Register(recipientId, target, Objects.requireNonNull(replaces, "replaces"));
  }

  /** Deletes a device, finishing its pending deliveries as target gone. */
  static Action unregister(DeviceTarget target) {
    return new Unregister(target);
  }

  /**
   * Enqueue a notification.
   *
   * @param notification the notification, already validated by its own constructor
   */
  record Enqueue(Notification notification) implements Action {
    /** Validates. */
    public Enqueue {
      Objects.requireNonNull(notification, "notification");
    }
  }

  /**
   * Cancel a notification by its idempotency key.
   *
   * @param idempotencyKey the key the notification was enqueued with
   * @param reason recorded on the cancelled deliveries, 1 to 500 characters
   */
  record Cancel(String idempotencyKey, String reason) implements Action {
    /** The reason of {@link Action#cancel(String)}. */
    public static final String DEFAULT_REASON = "cancelled by the host";

    /** Validates. */
    public Cancel {
      Objects.requireNonNull(idempotencyKey, "idempotencyKey");
      Objects.requireNonNull(reason, "reason");
      if (idempotencyKey.isEmpty() || idempotencyKey.length() > Notification.MAX_KEY_LENGTH) {
        throw new IllegalArgumentException("idempotencyKey must be 1-" + Notification.MAX_KEY_LENGTH
            + " characters: length " + idempotencyKey.length());
      }
      if (reason.isEmpty() || reason.length() > 500) {
        throw new IllegalArgumentException("reason must be 1-500 characters: length " + reason.length());
      }
    }
  }

  /**
   * Register a device.
   *
   * @param recipientId the recipient the device belongs to
   * @param target the device
   * @param replaces an older identity of the same app instance to retire, or null
   */
  record Register(String recipientId, DeviceTarget target, DeviceTarget replaces) implements Action {
    /** Validates presence; the outbox validates the values themselves when applying. */
    public Register {
      Objects.requireNonNull(recipientId, "recipientId");
      Objects.requireNonNull(target, "target");
    }
  }

  /**
   * Unregister a device.
   *
   * @param target the device
   */
  record Unregister(DeviceTarget target) implements Action {
    /** Validates. */
    public Unregister {
      Objects.requireNonNull(target, "target");
    }
  }
}
