package dev.herald;

/** Where a delivery (or a notification before expansion) stands. */
public enum DeliveryState {
  /** Waiting for its due time (first attempt or a scheduled retry). */
  PENDING(false),
  /** Claimed by an engine instance under a lease. */
  IN_FLIGHT(false),
  /** Accepted by the push service. */
  DELIVERED(true),
  /** Retries exhausted or rejected by the provider; an operator can re-queue it. */
  DEAD(true),
  /** Cancelled by the host or vetoed by a guard. */
  CANCELLED(true),
  /** Its expiry passed before it could be sent. */
  EXPIRED(true),
  /** The device is gone (unregistered token, expired subscription), or the recipient had none. */
  TARGET_GONE(true);

  private final boolean terminal;

  DeliveryState(boolean terminal) {
    this.terminal = terminal;
  }

  /** True for states a delivery never leaves on its own. */
  public boolean terminal() {
    return terminal;
  }
}
