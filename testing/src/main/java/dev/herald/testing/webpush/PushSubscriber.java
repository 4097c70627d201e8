package dev.herald.testing.webpush;

import dev.herald.DeviceTarget;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.KeyAgreement;

/**
 * A browser's side of a push subscription: its P-256 key pair and 16-byte auth secret, and the
 * decryption of what a push service hands it (RFC 8291 §3.4 key derivation, RFC 8188 decoding),
 * written on the JDK's crypto alone, independently of Herald's sender. Immutable and thread-safe;
 * {@link #toString()} shows no key.
 *
 * <pre>{@code
 * PushSubscriber browser = PushSubscriber.generate();
 * DeviceTarget.WebPushSubscription s = browser.subscriptionAt(endpoint);
 * byte[] plain = browser.decrypt(body);
 * }</pre>
 */
public final class PushSubscriber {
  /** The P-256 curve (secp256r1). */
  public static final ECParameterSpec P256 = p256();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final BigInteger P = new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
  private static final BigInteger B = new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);

  private final ECPrivateKey privateKey;
  private final byte[] publicKey;
  private final byte[] auth;

  private PushSubscriber(ECPrivateKey privateKey, byte[] publicKey, byte[] auth) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.auth = auth;
  }

  /** A new subscriber with a fresh key pair and auth secret, as {@code pushManager.subscribe()} makes. */
  public static PushSubscriber generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      byte[] auth = new byte[16];
      RANDOM.nextBytes(auth);
      return new PushSubscriber((ECPrivateKey) kp.getPrivate(), uncompressed((ECPublicKey) kp.getPublic()), auth);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no P-256", e);
    }
  }

  /**
   * A subscriber with given keys (a test vector's).
   *
   * @param privateScalar the private key's 32-byte scalar
   * @param publicKey the public key as a 65-byte uncompressed point
   * @param auth the 16-byte auth secret
   * @throws IllegalArgumentException when a key has the wrong form
   */
  public static PushSubscriber of(byte[] privateScalar, byte[] publicKey, byte[] auth) {
    if (!onCurve(publicKey)) {
      throw new IllegalArgumentException("publicKey must be an uncompressed P-256 point");
    }
    if (auth.length != 16) {
      throw new IllegalArgumentException("auth must be 16 bytes: " + auth.length);
    }
    try {
      ECPrivateKey key = (ECPrivateKey) KeyFactory.getInstance("EC")
          .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, privateScalar), P256));
      return new PushSubscriber(key, publicKey.clone(), auth.clone());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("privateScalar is not a P-256 private key", e);
    }
  }

  /** The subscription the browser hands the application for {@code endpoint}: the endpoint, {@code p256dh} and {@code auth}. */
  public DeviceTarget.WebPushSubscription subscriptionAt(String endpoint) {
    return new DeviceTarget.WebPushSubscription(endpoint, base64Url(publicKey), base64Url(auth));
  }

  /** The private key (a test key). */
  public ECPrivateKey privateKey() {
    return privateKey;
  }

  /** The public key, a 65-byte uncompressed point ({@code p256dh}). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The 16-byte auth secret. */
  public byte[] auth() {
    return auth.clone();
  }

  /**
   * Decrypts a push message body ({@code aes128gcm}, any record size) as a browser does.
   *
   * @throws DecryptionException when it was not encrypted for this subscriber, was altered, or is malformed
   */
  public byte[] decrypt(byte[] body) {
    return decrypt(body, null);
  }

  /**
   * Decrypts as {@link #decrypt(byte[])}, requiring the record size a sender is known to write.
   *
   * @throws DecryptionException as {@link #decrypt(byte[])}, or when the record size is another
   */
  public byte[] decrypt(byte[] body, Integer requiredRecordSize) {
    if (body.length < 21) {
      throw new DecryptionException("body shorter than the header");
    }
    int idlen = body[20] & 0xff;
    if (idlen != 65 || body.length < 86) {
      throw new DecryptionException("keyid must be the sender's 65-byte public key: " + idlen);
    }
    byte[] senderKey = Arrays.copyOfRange(body, 21, 86);
    byte[] ecdh = ecdh(senderKey);
    // RFC 8291 §3.4: IKM = HKDF(auth, ecdh, "WebPush: info" || 0 || ua_public || as_public, 32)
    byte[] prkKey = Aes128gcm.hmac(auth, ecdh);
    byte[] info = concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), publicKey, senderKey, new byte[] {1});
    byte[] ikm = Aes128gcm.hmac(prkKey, info);
    return Aes128gcm.decrypt(body, ikm, requiredRecordSize);
  }

  private byte[] ecdh(byte[] senderKey) {
    if (!onCurve(senderKey)) {
      throw new DecryptionException("the sender's key is not a point on P-256");
    }
    try {
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(privateKey);
      ka.doPhase(publicKey(senderKey), true);
      return ka.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new DecryptionException("ECDH failed", e);
    }
  }

  /** The P-256 public key of a 65-byte uncompressed point (an application server key, a sender key). */
  public static ECPublicKey publicKey(byte[] uncompressedPoint) throws GeneralSecurityException {
    if (!onCurve(uncompressedPoint)) {
      throw new java.security.spec.InvalidKeySpecException("not an uncompressed P-256 point");
    }
    ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(uncompressedPoint, 1, 33)),
        new BigInteger(1, Arrays.copyOfRange(uncompressedPoint, 33, 65)));
    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256));
  }

  /** y² = x³ − 3x + b (mod p), checked here rather than trusted to a library (SEC 1 §3.2.2.1). */
  private static boolean onCurve(byte[] point) {
    if (point == null || point.length != 65 || point[0] != 4) {
      return false;
    }
    BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 1, 33));
    BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 33, 65));
    if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
      return false;
    }
    BigInteger right = x.pow(3).subtract(x.multiply(BigInteger.valueOf(3))).add(B).mod(P);
    return y.pow(2).mod(P).equals(right);
  }

  /** A public key as the 65-byte uncompressed point. */
  public static byte[] uncompressed(ECPublicKey key) {
    byte[] out = new byte[65];
    out[0] = 4;
    put(key.getW().getAffineX(), out, 1);
    put(key.getW().getAffineY(), out, 33);
    return out;
  }

  private static void put(BigInteger v, byte[] out, int offset) {
    byte[] raw = v.toByteArray();
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, offset + 32 - n, n);
  }

  private static String base64Url(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no P-256", e);
    }
  }

  @Override
  public String toString() {
    return "PushSubscriber[p256dh=" + base64Url(publicKey).substring(0, 8) + "…]";
  }
}
