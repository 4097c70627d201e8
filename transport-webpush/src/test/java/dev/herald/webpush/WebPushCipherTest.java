package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.webpush.internal.EcP256;
import dev.herald.webpush.internal.WebPushCipher;
import dev.herald.testing.webpush.Aes128gcm;
import dev.herald.testing.webpush.PushSubscriber;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebPushCipherTest {
  private static final Map<String, Object> A = Vectors.load("rfc8291-appendix-a.json");
  private static final Map<String, Object> RFC8188 = Vectors.load("rfc8188-examples.json");

  @Test
  void reproducesRfc8291AppendixAByteForByte() {
    byte[] uaPublic = Vectors.bytes(A, "ua_public");
    byte[] body = WebPushCipher.encrypt(Vectors.bytes(A, "plaintext"), 0, EcP256.decodePoint(uaPublic), uaPublic,
        Vectors.bytes(A, "auth_secret"), new BigInteger(1, Vectors.bytes(A, "as_private")),
        Vectors.bytes(A, "as_public"), Vectors.bytes(A, "salt"));

    assertThat(body).hasSize(144);
    assertThat(Vectors.b64(body)).isEqualTo(A.get("body"));
  }

  @Test
  void reproducesRfc8291IntermediateValues() {
    Map<String, Object> mid = Vectors.object(A, "intermediate");
    byte[] uaPublic = Vectors.bytes(A, "ua_public");
    byte[] ecdh = EcP256.sharedSecret(new BigInteger(1, Vectors.bytes(A, "as_private")), EcP256.decodePoint(uaPublic));
    assertThat(Vectors.b64(ecdh)).isEqualTo(mid.get("ecdh_secret"));
    // The derivation is symmetric: the subscriber's private key with the sender's public key.
    byte[] reverse = EcP256.sharedSecret(new BigInteger(1, Vectors.bytes(A, "ua_private")),
        EcP256.decodePoint(Vectors.bytes(A, "as_public")));
    assertThat(reverse).isEqualTo(ecdh);

    byte[] ikm = WebPushCipher.inputKeyingMaterial(ecdh, Vectors.bytes(A, "auth_secret"), uaPublic, Vectors.bytes(A, "as_public"));
    assertThat(Vectors.b64(ikm)).isEqualTo(mid.get("ikm"));
    assertThat(Vectors.b64(WebPushCipher.hmacSha256(Vectors.bytes(A, "auth_secret"), ecdh))).isEqualTo(mid.get("prk_key"));
    assertThat(Vectors.b64(WebPushCipher.hmacSha256(Vectors.bytes(A, "salt"), ikm))).isEqualTo(mid.get("prk"));
  }

  @Test
  void derivesTheAppendixAPublicKeysFromTheirPrivateKeys() {
    assertThat(EcP256.publicKeyOf(new BigInteger(1, Vectors.bytes(A, "as_private")))).isEqualTo(Vectors.bytes(A, "as_public"));
    assertThat(EcP256.publicKeyOf(new BigInteger(1, Vectors.bytes(A, "ua_private")))).isEqualTo(Vectors.bytes(A, "ua_public"));
  }

  @Test
  void testDecryptorOpensTheAppendixABody() {
    PushSubscriber ua = PushSubscriber.of(Vectors.bytes(A, "ua_private"), Vectors.bytes(A, "ua_public"), Vectors.bytes(A, "auth_secret"));
    assertThat(new String(ua.decrypt(Vectors.bytes(A, "body"), 4096), StandardCharsets.US_ASCII))
        .isEqualTo(A.get("plaintext_ascii"));
  }

  @Test
  void reproducesRfc8188SingleRecordExample() {
    Map<String, Object> v = Vectors.object(RFC8188, "single_record");
    byte[] body = WebPushCipher.aes128gcm(Vectors.bytes(v, "ikm"), Vectors.bytes(v, "salt"), 4096, new byte[0],
        ((String) v.get("plaintext_ascii")).getBytes(StandardCharsets.US_ASCII), 0);
    assertThat(Vectors.b64(body)).isEqualTo(v.get("body"));
  }

  @Test
  void testDecryptorOpensRfc8188MultipleRecordExample() {
    // Checks the test decoder (herald-testing's) itself against the RFC, since production writes only one record.
    Map<String, Object> v = Vectors.object(RFC8188, "multiple_records");
    byte[] plain = Aes128gcm.decrypt(Vectors.bytes(v, "body"), Vectors.bytes(v, "ikm"));
    assertThat(new String(plain, StandardCharsets.US_ASCII)).isEqualTo(v.get("plaintext_ascii"));
  }

  @Test
  void freshKeyPairAndSaltPerMessage() {
    PushSubscriber ua = PushSubscriber.generate();
    SecureRandom random = new SecureRandom();
    byte[] plain = "same".getBytes(StandardCharsets.US_ASCII);
    byte[] one = WebPushCipher.encrypt(plain, 0, EcP256.decodePoint(ua.publicKey()), ua.publicKey(), ua.auth(), random);
    byte[] two = WebPushCipher.encrypt(plain, 0, EcP256.decodePoint(ua.publicKey()), ua.publicKey(), ua.auth(), random);
    assertThat(java.util.Arrays.copyOfRange(one, 0, 16)).isNotEqualTo(java.util.Arrays.copyOfRange(two, 0, 16));
    assertThat(java.util.Arrays.copyOfRange(one, 21, 86)).isNotEqualTo(java.util.Arrays.copyOfRange(two, 21, 86));
    assertThat(ua.decrypt(one, 4096)).isEqualTo(plain);
    assertThat(ua.decrypt(two, 4096)).isEqualTo(plain);
  }

  @Test
  void maximumPayloadFillsExactly4096Octets() {
    PushSubscriber ua = PushSubscriber.generate();
    byte[] plain = new byte[WebPushCipher.MAX_PLAINTEXT];
    byte[] body = WebPushCipher.encrypt(plain, 0, EcP256.decodePoint(ua.publicKey()), ua.publicKey(), ua.auth(), new SecureRandom());
    assertThat(WebPushCipher.MAX_PLAINTEXT).isEqualTo(3993);
    assertThat(body).hasSize(4096);
    assertThat(ua.decrypt(body, 4096)).isEqualTo(plain);
  }

  @Test
  void payloadOverTheLimitIsRefusedBeforeEncrypting() {
    PushSubscriber ua = PushSubscriber.generate();
    assertThatThrownBy(() -> WebPushCipher.encrypt(new byte[3990], 4, EcP256.decodePoint(ua.publicKey()), ua.publicKey(),
        ua.auth(), new SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("payload plus padding must be at most 3993 octets: 3990 + 4");
  }

  @Test
  void negativePaddingIsRefused() {
    assertThatThrownBy(() -> WebPushCipher.checkLength(10, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("padding must be >= 0: -1");
  }

  @Test
  void subscriberKeyOffTheCurveIsRefused() {
    byte[] bad = Vectors.bytes(A, "ua_public");
    bad[64] ^= 1;
    assertThatThrownBy(() -> EcP256.decodePoint(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("must be a point on the P-256 curve");
    assertThatThrownBy(() -> EcP256.decodePoint(new byte[33]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("must be a 65-byte uncompressed P-256 point");
  }
}
