package dev.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VapidKeysTest {
  private static final Map<String, Object> A = Vectors.load("rfc8291-appendix-a.json");
  // Any valid pair will do; the RFC 8291 sender pair is a published one.
  private static final String PUBLIC = (String) A.get("as_public");
  private static final String PRIVATE = (String) A.get("as_private");

  @Test
  void generatedKeysRoundTripThroughBase64Url() {
    VapidKeys keys = VapidKeys.generate();
    VapidKeys loaded = VapidKeys.fromBase64Url(keys.publicKeyBase64Url(), keys.privateKeyBase64Url());
    assertThat(loaded).isEqualTo(keys);
    assertThat(keys.publicKeyBase64Url()).hasSize(87).startsWith("B");
    assertThat(Base64.getUrlDecoder().decode(keys.privateKeyBase64Url())).hasSize(32);
    assertThat(keys.publicKey()).hasSize(65);
  }

  @Test
  void generatedKeysRoundTripThroughPem() {
    VapidKeys keys = VapidKeys.generate();
    String pem = keys.toPem();
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
    assertThat(VapidKeys.fromPem(pem)).isEqualTo(keys);
    assertThat(VapidKeys.fromPem(pem).privateKeyBase64Url()).isEqualTo(keys.privateKeyBase64Url());
  }

  @Test
  void pemIsReadableByTheJdk() throws Exception {
    VapidKeys keys = VapidKeys.fromBase64Url(PUBLIC, PRIVATE);
    String pem = keys.toPem();
    String b64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
    ECPrivateKey jdk = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    assertThat(Vectors.b64(dev.herald.webpush.internal.EcP256.encodeScalar(jdk.getS()))).isEqualTo(PRIVATE);
  }

  @Test
  void loadsOpensslPkcs8AndSec1Pem() {
    String expectedPublic = resource("pem/p256-public.b64url").trim();
    VapidKeys pkcs8 = VapidKeys.fromPem(resource("pem/pkcs8-p256.pem"));
    VapidKeys sec1 = VapidKeys.fromPem(resource("pem/sec1-p256.pem"));
    assertThat(pkcs8.publicKeyBase64Url()).isEqualTo(expectedPublic);
    assertThat(sec1).isEqualTo(pkcs8);
  }

  @Test
  void toleratesPaddingAndTheStandardAlphabet() {
    String paddedStd = Base64.getEncoder().encodeToString(Base64.getUrlDecoder().decode(PUBLIC));
    String privStd = Base64.getEncoder().encodeToString(Base64.getUrlDecoder().decode(PRIVATE));
    assertThat(VapidKeys.fromBase64Url(paddedStd, privStd).publicKeyBase64Url()).isEqualTo(PUBLIC);
  }

  @Test
  void mismatchedHalvesAreRefused() {
    VapidKeys other = VapidKeys.generate();
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, other.privateKeyBase64Url()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: publicKey must be the public key of privateKey (they do not match)");
  }

  @Test
  void publicKeyOffTheCurveIsRefused() {
    byte[] pub = Base64.getUrlDecoder().decode(PUBLIC);
    pub[40] ^= 0x10;
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(Vectors.b64(pub), PRIVATE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: publicKey must be a point on the P-256 curve");
  }

  @Test
  void compressedOrShortPublicKeyIsRefused() {
    byte[] compressed = new byte[33];
    compressed[0] = 0x02;
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(Vectors.b64(compressed), PRIVATE))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: publicKey must be a 65-byte uncompressed P-256 point (0x04 prefix): 33 bytes");
  }

  @Test
  void nonBase64IsRefusedForBothHalvesAtOnce() {
    assertThatThrownBy(() -> VapidKeys.fromBase64Url("not base64!", "*secret-private-key*"))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> {
          assertThat(e.fields()).containsExactly("publicKey", "privateKey");
          assertThat(e.getMessage()).isEqualTo("invalid VAPID keys: publicKey must be base64url: \"not base64!\"; "
              + "privateKey must be base64url: *secr…(20 chars)");
        });
  }

  @Test
  void missingHalvesAreRequired() {
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(null, null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: publicKey is required; privateKey is required");
  }

  @Test
  void privateKeyOfWrongLengthIsRefused() {
    assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, Vectors.b64(new byte[31])))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: privateKey must be a 32-byte P-256 private key: 31 bytes");
  }

  @Test
  void privateKeyOutsideTheGroupIsRefused() {
    byte[] ff = new byte[32];
    java.util.Arrays.fill(ff, (byte) 0xff);
    for (byte[] bad : new byte[][] {new byte[32], ff}) {
      assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, Vectors.b64(bad)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("invalid VAPID keys: privateKey must be between 1 and the P-256 group order minus 1");
    }
  }

  @Test
  void pemWithoutAKeyBlockIsRefused() {
    assertThatThrownBy(() -> VapidKeys.fromPem("hello"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem must contain a -----BEGIN PRIVATE KEY----- (PKCS#8) or "
            + "-----BEGIN EC PRIVATE KEY----- (SEC 1) block");
  }

  @Test
  void nullPemIsRequired() {
    assertThatThrownBy(() -> VapidKeys.fromPem(null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem is required");
  }

  @Test
  void encryptedPemIsRefusedWithWhatToDo() {
    assertThatThrownBy(() -> VapidKeys.fromPem(resource("pem/encrypted-p256.pem")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem is encrypted; store it unencrypted (openssl pkcs8 -topk8 -nocrypt) "
            + "and protect the file instead");
  }

  @Test
  void otherCurvesAreRefused() {
    assertThatThrownBy(() -> VapidKeys.fromPem(resource("pem/pkcs8-p384.pem")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem must be on the P-256 curve (prime256v1, 1.2.840.10045.3.1.7): curve 1.3.132.0.34");
  }

  @Test
  void rsaKeysAreRefused() {
    assertThatThrownBy(() -> VapidKeys.fromPem(resource("pem/pkcs8-rsa.pem")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem must be an EC key: algorithm 1.2.840.113549.1.1.1");
  }

  @Test
  void truncatedPemIsRefused() {
    String pem = resource("pem/pkcs8-p256.pem");
    assertThatThrownBy(() -> VapidKeys.fromPem(pem.replace("-----END PRIVATE KEY-----", "")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem has no -----END PRIVATE KEY----- line");
    String lines = pem.substring(0, 60) + "\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(() -> VapidKeys.fromPem(lines))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem is not a PKCS#8 or SEC 1 EC private key (malformed DER)");
    assertThatThrownBy(() -> VapidKeys.fromPem("-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem is not valid base64 between the BEGIN and END lines");
  }

  @Test
  void pemWhoseEmbeddedPublicKeyDoesNotMatchIsRefused() throws Exception {
    // Splice another key's public point into a SEC 1 structure.
    VapidKeys a = VapidKeys.generate();
    VapidKeys b = VapidKeys.generate();
    org.bouncycastle.asn1.sec.ECPrivateKey forged = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
        new java.math.BigInteger(1, Base64.getUrlDecoder().decode(a.privateKeyBase64Url())),
        new org.bouncycastle.asn1.DERBitString(b.publicKey()), org.bouncycastle.asn1.x9.X9ObjectIdentifiers.prime256v1);
    String pem = "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(forged.getEncoded())
        + "\n-----END EC PRIVATE KEY-----\n";
    assertThatThrownBy(() -> VapidKeys.fromPem(pem))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("invalid VAPID keys: pem embeds a public key that does not match its private key");
  }

  @Test
  void toStringNeverShowsThePrivateKey() {
    VapidKeys keys = VapidKeys.fromBase64Url(PUBLIC, PRIVATE);
    assertThat(keys.toString()).isEqualTo("VapidKeys[publicKey=" + PUBLIC.substring(0, 12) + "…, privateKey=<redacted>]")
        .doesNotContain(PRIVATE.substring(0, 8));
  }

  static String resource(String name) {
    try (InputStream in = VapidKeysTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
