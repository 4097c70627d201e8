package dev.herald.webpush.internal;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * P-256 on BouncyCastle's low-level API with its custom (specialised field arithmetic) curve.
 *
 * <p>Why not the JCA: every Web Push message needs a fresh key pair and one ECDH (RFC 8291 §3.1),
 * and on JDK 17 SunEC spends about 1 ms on the pair; this path spends under 0.2 ms (see the
 * benchmarks). The generic {@code ECNamedCurveTable} curve would be about three times slower, so
 * the curve must come from {@link CustomNamedCurves}.
 *
 * <p>The variable-base multiplication in {@link #sharedSecret} is not constant-time. That is
 * acceptable here: the scalar is an ephemeral key used for exactly one multiplication, so there is
 * no repeated observation to learn it from. The long-lived VAPID key never goes through it.
 */
public final class EcP256 {
  private static final X9ECParameters X9 = CustomNamedCurves.getByName("secp256r1");
  /** The curve with BouncyCastle's specialised arithmetic. */
  public static final ECCurve CURVE = X9.getCurve();
  /** Domain parameters (curve, generator, order). */
  public static final ECDomainParameters DOMAIN =
      new ECDomainParameters(X9.getCurve(), X9.getG(), X9.getN(), X9.getH(), X9.getSeed());
  /** The group order n. */
  public static final BigInteger N = X9.getN();
  /** Length of an uncompressed point: 0x04 || X || Y. */
  public static final int POINT_LENGTH = 65;

  private static final FixedPointCombMultiplier BASE_MULTIPLIER = new FixedPointCombMultiplier();

  private EcP256() {}

  /** A private scalar and its uncompressed public point. */
  public record KeyPair(BigInteger privateKey, byte[] publicKey) {
    @Override
    public String toString() {
      return "KeyPair[private=<hidden>]";
    }
  }

  /** A fresh key pair; the scalar is uniform in [1, n-1] with BouncyCastle's low-NAF-weight rejection. */
  public static KeyPair generate(SecureRandom random) {
    ECKeyPairGenerator generator = new ECKeyPairGenerator();
    generator.init(new ECKeyGenerationParameters(DOMAIN, random));
    AsymmetricCipherKeyPair pair = generator.generateKeyPair();
    BigInteger d = ((ECPrivateKeyParameters) pair.getPrivate()).getD();
    byte[] q = ((ECPublicKeyParameters) pair.getPublic()).getQ().getEncoded(false);
    return new KeyPair(d, q);
  }

  /** The uncompressed public point d·G. {@code d} must be in [1, n-1]. */
  public static byte[] publicKeyOf(BigInteger d) {
    if (!validPrivateKey(d)) {
      throw new IllegalArgumentException("private key must be in [1, n-1]");
    }
    return BASE_MULTIPLIER.multiply(DOMAIN.getG(), d).getEncoded(false);
  }

  /** True when {@code d} is a usable P-256 private scalar. */
  public static boolean validPrivateKey(BigInteger d) {
    return d != null && d.signum() > 0 && d.compareTo(N) < 0;
  }

  /**
   * Decodes an uncompressed point and checks it is on the curve and not the point at infinity.
   *
   * @throws IllegalArgumentException when it is not such a point
   */
  public static ECPoint decodePoint(byte[] uncompressed) {
    if (uncompressed == null || uncompressed.length != POINT_LENGTH || uncompressed[0] != 0x04) {
      throw new IllegalArgumentException("must be a 65-byte uncompressed P-256 point");
    }
    ECPoint p;
    try {
      p = CURVE.decodePoint(uncompressed);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("must be a point on the P-256 curve");
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new IllegalArgumentException("must be a point on the P-256 curve");
    }
    return p;
  }

  /** The ECDH shared secret: the 32-byte X coordinate of d·Q (SEC 1 §3.3.1). */
  public static byte[] sharedSecret(BigInteger d, ECPoint q) {
    ECPoint p = q.multiply(d).normalize();
    if (p.isInfinity()) {
      throw new IllegalArgumentException("ECDH produced the point at infinity");
    }
    return p.getAffineXCoord().getEncoded();
  }

  /** Fixed-length 32-byte big-endian encoding of a scalar. */
  public static byte[] encodeScalar(BigInteger d) {
    byte[] raw = d.toByteArray();
    byte[] out = new byte[32];
    if (raw.length > 32) {
      System.arraycopy(raw, raw.length - 32, out, 0, 32);
    } else {
      System.arraycopy(raw, 0, out, 32 - raw.length, raw.length);
    }
    return out;
  }
}
