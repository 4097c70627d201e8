package dev.herald.outbox.jdbc.testing;

import dev.herald.DeviceTarget;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** Web Push subscriptions with a real P-256 public key, as a browser would hand them over. */
public final class Subscriptions {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Subscriptions() {}

  /** A subscription at this endpoint with a fresh key pair and auth secret. */
  public static DeviceTarget.WebPushSubscription at(String endpoint) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      ECPublicKey pub = (ECPublicKey) g.generateKeyPair().getPublic();
      byte[] point = new byte[65];
      point[0] = 0x04;
      copy(pub.getW().getAffineX(), point, 1);
      copy(pub.getW().getAffineY(), point, 33);
      byte[] auth = new byte[16];
      RANDOM.nextBytes(auth);
      return new DeviceTarget.WebPushSubscription(endpoint, B64.encodeToString(point), B64.encodeToString(auth));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copy(BigInteger v, byte[] out, int offset) {
    byte[] b = v.toByteArray();
    int n = Math.min(b.length, 32);
    System.arraycopy(b, b.length - n, out, offset + 32 - n, n);
  }
}
