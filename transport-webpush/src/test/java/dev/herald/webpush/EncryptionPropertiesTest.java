package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.webpush.internal.EcP256;
import dev.herald.webpush.internal.WebPushCipher;
import dev.herald.testing.webpush.DecryptionException;
import dev.herald.testing.webpush.PushSubscriber;
import java.security.SecureRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class EncryptionPropertiesTest {
  // One subscriber for all tries: key generation is not what is under test, and SunEC is slow at it.
  private static final PushSubscriber UA = PushSubscriber.generate();
  private static final SecureRandom RANDOM = new SecureRandom();

  @Property(tries = 300)
  void decryptsToThePlaintextForAnyPayloadAndPadding(@ForAll @Size(max = 3993) byte[] payload,
      @ForAll @IntRange(min = 0, max = 3993) int padding) {
    Assume.that(payload.length + padding <= WebPushCipher.MAX_PLAINTEXT);
    byte[] body = encrypt(payload, padding);
    assertThat(body).hasSize(WebPushCipher.HEADER_LENGTH + payload.length + 1 + padding + WebPushCipher.TAG_LENGTH);
    assertThat(body.length).isLessThanOrEqualTo(4096);
    assertThat(UA.decrypt(body, 4096)).isEqualTo(payload);
  }

  @Property(tries = 300)
  void aFlippedBitAnywhereFailsDecryption(@ForAll @Size(max = 600) byte[] payload,
      @ForAll @IntRange(min = 0, max = 64) int padding, @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    byte[] body = encrypt(payload, padding);
    int index = where % body.length;
    body[index] ^= (byte) (1 << bit);
    // Pinned to the 4096 the transport writes, so that an altered record size is noticed too.
    assertThatThrownBy(() -> UA.decrypt(body, 4096)).isInstanceOf(DecryptionException.class);
  }

  private static byte[] encrypt(byte[] payload, int padding) {
    return WebPushCipher.encrypt(payload, padding, EcP256.decodePoint(UA.publicKey()), UA.publicKey(), UA.auth(), RANDOM);
  }
}
