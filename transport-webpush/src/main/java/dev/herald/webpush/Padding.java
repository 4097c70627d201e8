package dev.herald.webpush;

import dev.herald.webpush.internal.WebPushCipher;
import java.util.Arrays;
import java.util.Objects;

/**
 * How much zero padding to add inside the encrypted record, so that the push service and anyone on
 * the network see fewer distinct message lengths (RFC 8291 §4). Padding costs bandwidth and counts
 * against the {@value WebPushCipher#MAX_PLAINTEXT}-octet limit.
 *
 * <p>A payload is padded up to the smallest bucket that holds it; a payload longer than the
 * largest bucket is sent unpadded (use a largest bucket of {@value WebPushCipher#MAX_PLAINTEXT} to
 * hide every length). Immutable and thread-safe.
 */
public final class Padding {
  private static final Padding NONE = new Padding(new int[0]);

  private final int[] buckets;

  private Padding(int[] buckets) {
    this.buckets = buckets;
  }

  /** No padding: the default. */
  public static Padding none() {
    return NONE;
  }

  /**
   * Pads every payload to the same size, as far as it fits.
   *
   * @param octets the padded payload size, 1 to {@value WebPushCipher#MAX_PLAINTEXT}
   * @throws IllegalArgumentException when out of range
   */
  public static Padding toSize(int octets) {
    return toBuckets(octets);
  }

  /**
   * Pads each payload up to the smallest of these sizes that holds it.
   *
   * @param sizes strictly increasing sizes, each 1 to {@value WebPushCipher#MAX_PLAINTEXT}
   * @throws IllegalArgumentException when empty, out of range or not strictly increasing
   */
  public static Padding toBuckets(int... sizes) {
    Objects.requireNonNull(sizes, "sizes");
    if (sizes.length == 0) {
      throw new IllegalArgumentException("sizes must not be empty: []");
    }
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] < 1 || sizes[i] > WebPushCipher.MAX_PLAINTEXT) {
        throw new IllegalArgumentException("sizes must be between 1 and " + WebPushCipher.MAX_PLAINTEXT + ": " + sizes[i]);
      }
      if (i > 0 && sizes[i] <= sizes[i - 1]) {
        throw new IllegalArgumentException("sizes must be strictly increasing: " + Arrays.toString(sizes));
      }
    }
    return new Padding(sizes.clone());
  }

  /** The number of zero octets to add to a payload of this length; 0 when none. */
  public int paddingFor(int payloadLength) {
    for (int bucket : buckets) {
      if (payloadLength <= bucket) {
        return bucket - payloadLength;
      }
    }
    return 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Padding other && Arrays.equals(buckets, other.buckets);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(buckets);
  }

  @Override
  public String toString() {
    return buckets.length == 0 ? "Padding[none]" : "Padding" + Arrays.toString(buckets);
  }
}
