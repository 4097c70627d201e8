package dev.herald;

import dev.herald.internal.Redact;
import java.util.Objects;

/**
 * The part of a channel whose sends succeed or fail together: for Web Push one push service (the
 * subscription's origin) with the VAPID key pair the subscription was made with, for FCM one service
 * account (Firebase project) and, where the device's platform is known, that platform. The engine
 * pauses, probes, trips the "target gone" safety valve and bounds in-flight sends per scope, so a push
 * service that refuses our key, or a Firebase project whose APNs credentials broke, holds back only its
 * own deliveries.
 *
 * <p>The transport names the scope of a target ({@link dev.herald.spi.Transport#scope}); the store
 * records it with each delivery when the delivery is created. A transport that knows nothing of scopes
 * gives every delivery its channel's one scope, {@link #of(Channel)}, whose name is empty.
 *
 * <p>A scope's name is not secret (an origin, a credential's name, a platform): it appears in logs,
 * metrics and the console.
 *
 * @param channel the channel
 * @param name empty for the channel's one scope; otherwise 1 to {@value #MAX_NAME_LENGTH} printable
 *     ASCII characters without spaces, such as {@code https://web.push.apple.com#default} or
 *     {@code staff/ios}
 */
public record Scope(Channel channel, String name) implements Comparable<Scope> {
  /** Longest scope name. */
  public static final int MAX_NAME_LENGTH = 320;

  /** Validates. */
  public Scope {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(name, "name");
    if (name.length() > MAX_NAME_LENGTH || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("scope name must be 0-" + MAX_NAME_LENGTH
          + " printable ASCII characters without spaces: " + Redact.quote(name, 60));
    }
  }

  /** The channel's one scope: what every delivery of a transport without scopes belongs to. */
  public static Scope of(Channel channel) {
    return new Scope(channel, "");
  }

  /** A named scope of a channel. */
  public static Scope of(Channel channel, String name) {
    return new Scope(channel, name);
  }

  /** True for the channel's one scope ({@link #of(Channel)}), whose name is empty. */
  public boolean wholeChannel() {
    return name.isEmpty();
  }

  @Override
  public int compareTo(Scope other) {
    int c = channel.name().compareTo(other.channel.name());
    return c != 0 ? c : name.compareTo(other.name);
  }

  /** {@code <channel>} for the channel's one scope, else {@code <channel>[<name>]}. */
  @Override
  public String toString() {
    return name.isEmpty() ? channel.name() : channel.name() + "[" + name + "]";
  }
}
