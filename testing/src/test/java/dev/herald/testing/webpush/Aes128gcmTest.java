package dev.herald.testing.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The decoder against RFC 8188's own examples (§3.1 one record, §3.2 two records of 25 octets). */
class Aes128gcmTest {
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();

  @Test
  void decodesTheSingleRecordExample() {
    byte[] body = B64.decode("I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg");
    byte[] ikm = B64.decode("yqdlZ-tYemfogSmv7Ws5PQ");
    assertThat(new String(Aes128gcm.decrypt(body, ikm), StandardCharsets.US_ASCII)).isEqualTo("I am the walrus");
    assertThat(new String(Aes128gcm.decrypt(body, ikm, 4096), StandardCharsets.US_ASCII)).isEqualTo("I am the walrus");
  }

  @Test
  void decodesTheMultipleRecordExample() {
    byte[] body = B64.decode("uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA");
    byte[] ikm = B64.decode("BO3ZVPxUlnLORbVGMpbT1Q");
    assertThat(new String(Aes128gcm.decrypt(body, ikm), StandardCharsets.US_ASCII)).isEqualTo("I am the walrus");
    assertThatThrownBy(() -> Aes128gcm.decrypt(body, ikm, 4096)).isInstanceOf(DecryptionException.class)
        .hasMessage("rs must be 4096: 25");
  }

  @Test
  void aTruncatedBodyOrAnotherKeyFails() {
    byte[] body = B64.decode("uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA");
    byte[] ikm = B64.decode("BO3ZVPxUlnLORbVGMpbT1Q");
    byte[] firstRecordOnly = java.util.Arrays.copyOf(body, 21 + 2 + 25);
    assertThatThrownBy(() -> Aes128gcm.decrypt(firstRecordOnly, ikm)).isInstanceOf(DecryptionException.class)
        .hasMessage("record 0 delimiter must be 2: 1");
    assertThatThrownBy(() -> Aes128gcm.decrypt(body, B64.decode("yqdlZ-tYemfogSmv7Ws5PQ")))
        .isInstanceOf(DecryptionException.class).hasMessage("record 0 failed authentication");
  }
}
