package dev.herald.outbox.jdbc.internal;

import dev.herald.Device;
import dev.herald.DeliveryState;

/**
 * The small integers that the state columns hold. Stored as SMALLINT because the delivery row is
 * updated on every claim and completion and PostgreSQL rewrites the whole row each time; the
 * migration scripts document the same table for operators reading the tables directly.
 */
public final class Codes {
  private Codes() {}

  /** Waiting for its due time (delivery), or for expansion (notification). */
  public static final int PENDING = 0;
  /** Claimed under a lease. Deliveries only. */
  public static final int IN_FLIGHT = 1;
  /** Accepted by the push service. Deliveries only. */
  public static final int DELIVERED = 2;
  /** Given up; re-queueable. Deliveries only. */
  public static final int DEAD = 3;
  /** Cancelled by the host or a guard. */
  public static final int CANCELLED = 4;
  /** Expired before it could be sent. */
  public static final int EXPIRED = 5;
  /** The device is gone, or the recipient had none. */
  public static final int TARGET_GONE = 6;
  /** Notification only: expanded into deliveries, which now carry the state. */
  public static final int EXPANDED = 10;

  /** Device status: receives sends. */
  public static final int DEVICE_ACTIVE = 0;
  /** Device status: not seen for the stale period. */
  public static final int DEVICE_STALE = 1;
  /** Device status: the push service said it is gone. */
  public static final int DEVICE_INVALID = 2;
  /** Device status: replaced by a newer identity of the same app instance. */
  public static final int DEVICE_RETIRED = 3;

  /** The code of a delivery state. */
  public static int of(DeliveryState state) {
    return switch (state) {
      case PENDING -> PENDING;
      case IN_FLIGHT -> IN_FLIGHT;
      case DELIVERED -> DELIVERED;
      case DEAD -> DEAD;
      case CANCELLED -> CANCELLED;
      case EXPIRED -> EXPIRED;
      case TARGET_GONE -> TARGET_GONE;
    };
  }

  /** The delivery state of a code; {@link #EXPANDED} has none and fails. */
  public static DeliveryState state(int code) {
    return switch (code) {
      case PENDING -> DeliveryState.PENDING;
      case IN_FLIGHT -> DeliveryState.IN_FLIGHT;
      case DELIVERED -> DeliveryState.DELIVERED;
      case DEAD -> DeliveryState.DEAD;
      case CANCELLED -> DeliveryState.CANCELLED;
      case EXPIRED -> DeliveryState.EXPIRED;
      case TARGET_GONE -> DeliveryState.TARGET_GONE;
      default -> throw new IllegalArgumentException("not a delivery state code: " + code);
    };
  }

  /** The code of a device status. */
  public static int of(Device.Status status) {
    return switch (status) {
      case ACTIVE -> DEVICE_ACTIVE;
      case STALE -> DEVICE_STALE;
      case INVALID -> DEVICE_INVALID;
      case RETIRED -> DEVICE_RETIRED;
    };
  }

  /** The device status of a code. */
  public static Device.Status deviceStatus(int code) {
    return switch (code) {
      case DEVICE_ACTIVE -> Device.Status.ACTIVE;
      case DEVICE_STALE -> Device.Status.STALE;
      case DEVICE_INVALID -> Device.Status.INVALID;
      case DEVICE_RETIRED -> Device.Status.RETIRED;
      default -> throw new IllegalArgumentException("not a device status code: " + code);
    };
  }
}
