package dev.herald.outbox.jdbc;

import dev.herald.Device;
import java.util.List;
import java.util.Objects;

/**
 * Everything the outbox knows about one recipient: its notifications, newest first, one page at a
 * time, and its registered devices with their status, last-seen time and invalidation reason. The
 * answer to "why did X get nothing?". Read by {@link OutboxAdmin#recipientTimeline}.
 *
 * @param recipientId the recipient id
 * @param notifications this page of its notifications, newest first
 * @param nextBefore the notification id to pass as {@code before} for the next (older) page, or
 *     null when this is the last page
 * @param devices its devices in registration order, whatever their status, at most
 *     {@link OutboxAdmin#MAX_DEVICES_SHOWN}
 * @param moreDevices true when it has more devices than listed
 */
public record RecipientTimeline(String recipientId, List<NotificationDetail> notifications, Long nextBefore,
    List<Device> devices, boolean moreDevices) {

  /** Validates and copies. */
  public RecipientTimeline {
    Objects.requireNonNull(recipientId, "recipientId");
    notifications = List.copyOf(notifications);
    devices = List.copyOf(devices);
  }
}
