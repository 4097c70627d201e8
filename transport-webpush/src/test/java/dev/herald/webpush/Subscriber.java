package dev.herald.webpush;

import dev.herald.DeviceTarget;
import java.math.BigInteger;
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
import java.security.spec.ECPrivateKeySpec;
import java.util.Base64;

/** A browser's side of a push subscription, with JDK keys: its key pair and auth secret. */
final class Subscriber {
  static final ECParameterSpec P256 = p256();
  private static final SecureRandom RANDOM = new SecureRandom();

  final ECPrivateKey privateKey;
  final byte[] publicKey;
  final byte[] auth;

  private Subscriber(ECPrivateKey privateKey, byte[] publicKey, byte[] auth) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.auth = auth;
  }

  static Subscriber generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      byte[] auth = new byte[16];
      RANDOM.nextBytes(auth);
      return new Subscriber((ECPrivateKey) kp.getPrivate(), uncompressed((ECPublicKey) kp.getPublic()), auth);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static Subscriber of(byte[] privateScalar, byte[] publicKey, byte[] auth) {
    try {
      ECPrivateKey key = (ECPrivateKey) KeyFactory.getInstance("EC")
          .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, privateScalar), P256));
      return new Subscriber(key, publicKey, auth);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  DeviceTarget.WebPushSubscription at(String endpoint) {
    return new DeviceTarget.WebPushSubscription(endpoint, b64(publicKey), b64(auth));
  }

  /** Decrypts strictly: the record size must be the 4096 the transport writes. */
  byte[] decrypt(byte[] body) {
    return TestDecryptor.decryptWebPush(body, privateKey, publicKey, auth, 4096);
  }

  static byte[] uncompressed(ECPublicKey key) {
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

  static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static byte[] unb64(String s) {
    return Base64.getUrlDecoder().decode(s);
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
