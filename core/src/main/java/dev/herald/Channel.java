package dev.herald;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A delivery channel: the name under which one {@link dev.herald.spi.Transport} is registered and
 * devices are stored. Herald ships {@link #FCM} and {@link #WEB_PUSH}; a third-party transport
 * (APNs, SMS, e-mail, a webhook) picks its own name.
 *
 * @param name lower-case letters, digits, {@code -} or {@code _}; 1 to 32 characters
 */
public record Channel(String name) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,32}");

  /** Firebase Cloud Messaging (Android, iOS, web via FCM). */
  public static final Channel FCM = new Channel("fcm");

  /** Web Push (RFC 8030) to a browser's push service. */
  public static final Channel WEB_PUSH = new Channel("webpush");

  /** Validates the name. */
  public Channel {
    Objects.requireNonNull(name, "channel name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "channel name must be 1-32 of [a-z0-9_-]: " + dev.herald.internal.Redact.quote(name, 40));
    }
  }

  /** The channel with this name. */
  public static Channel of(String name) {
    return new Channel(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
