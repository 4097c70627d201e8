package dev.herald.outbox.jdbc;

/**
 * What one device pruning pass changed ({@link OutboxAdmin#pruneDevices()}).
 *
 * @param markedStale active devices not seen for the stale period, now stale (left out of expansion
 *     until they register or touch again)
 * @param deleted invalid, retired and stale devices deleted after the device retention period
 */
public record PrunedDevices(int markedStale, int deleted) {}
