package dev.herald;

/**
 * What an enqueue did: created a new notification, or found the idempotency key already known
 * (pending, or finished within the dedup window) and did nothing.
 *
 * @param notificationId the id of the new or the existing notification
 * @param created true when this call created it; false for a duplicate
 */
public record EnqueueResult(long notificationId, boolean created) {
  /** True when the key was already known and nothing was enqueued. */
  public boolean duplicate() {
    return !created;
  }
}
