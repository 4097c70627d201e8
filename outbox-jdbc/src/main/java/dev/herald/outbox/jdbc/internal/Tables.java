package dev.herald.outbox.jdbc.internal;

import java.util.regex.Pattern;

/**
 * The table names under one prefix. The prefix is validated to letters, digits and underscores,
 * so splicing it into SQL is safe.
 *
 * @param prefix the table prefix, such as {@code herald_}
 */
public record Tables(String prefix) {
  private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,31}");

  /** Validates the prefix. */
  public Tables {
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("tablePrefix must be 1-32 of [a-z0-9_] starting with a letter: " + prefix);
    }
  }

  /** Whether a prefix is acceptable. */
  public static boolean valid(String prefix) {
    return prefix != null && PREFIX.matcher(prefix).matches();
  }

  /** The notifications table. */
  public String notification() {
    return prefix + "notification";
  }

  /** The deliveries table. */
  public String delivery() {
    return prefix + "delivery";
  }

  /** The idempotency keys table. */
  public String dedup() {
    return prefix + "dedup";
  }

  /** The devices table. */
  public String device() {
    return prefix + "device";
  }

  /** The schema version table. */
  public String schemaVersion() {
    return prefix + "schema_version";
  }

  /** The notification id sequence. */
  public String notificationSeq() {
    return prefix + "notification_seq";
  }

  /** The NOTIFY channel that wakes engines working on these tables. */
  public String notifyChannel() {
    return prefix + "outbox";
  }
}
