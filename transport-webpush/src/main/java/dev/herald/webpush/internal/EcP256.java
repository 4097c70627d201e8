package dev.herald.webpush.internal;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.WNafUtil;
import org.bouncycastle.math.raw.Nat256;

/**
 * P-256 on BouncyCastle's low-level API with its custom (specialised field arithmetic) curve.
 *
 * <p>Why not the JCA: every Web Push message needs a fresh key pair and one ECDH (RFC 8291 §3.1),
 * and on JDK 17 SunEC spends about 1 ms on the pair; this path spends well under 0.2 ms (see
 * {@code P256PathBenchmark}). The generic {@code ECNamedCurveTable} curve is several times slower,
 * so the curve must come from {@link CustomNamedCurves}. Ephemeral public keys come from a
 * fixed-base table ({@link BaseTable}), the ECDH from BouncyCastle's wNAF multiplier.
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
  private static final int MIN_NAF_WEIGHT = N.bitLength() >>> 2;

  private EcP256() {}

  /** A private scalar and its uncompressed public point. */
  public record KeyPair(BigInteger privateKey, byte[] publicKey) {
    @Override
    public String toString() {
      return "KeyPair[private=<hidden>]";
    }
  }

  /**
   * A fresh ephemeral key pair: a scalar uniform in [1, n-1] (with BouncyCastle's rejection of
   * scalars of very low NAF weight, a guard against a broken random source) and its public point
   * from the {@link BaseTable}. For single-use keys only; see {@link #publicKeyOf} for lasting ones.
   */
  public static KeyPair generate(SecureRandom random) {
    byte[] bytes = new byte[32];
    BigInteger d;
    do {
      random.nextBytes(bytes);
      d = new BigInteger(1, bytes);
    } while (!validPrivateKey(d) || WNafUtil.getNafWeight(d) < MIN_NAF_WEIGHT);
    return new KeyPair(d, ephemeralPublicKeyOf(d));
  }

  /**
   * d·G through the fast, variable-time {@link BaseTable}: only for single-use scalars. Equal to
   * {@link #publicKeyOf} for every valid {@code d}.
   */
  public static byte[] ephemeralPublicKeyOf(BigInteger d) {
    if (!validPrivateKey(d)) {
      throw new IllegalArgumentException("private key must be in [1, n-1]");
    }
    return BaseTable.multiply(d).getEncoded(false);
  }

  /**
   * The uncompressed public point d·G through BouncyCastle's fixed-point comb, whose table lookups
   * are constant-time: the path for a long-lived key such as the VAPID key. {@code d} must be in
   * [1, n-1].
   */
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

  /**
   * d·G for ephemeral keys by a fixed-base window table: G's multiples j·2^(6i)·G for every 6-bit
   * window i (43 windows) and digit j (1..63), stored affine, so d·G is at most 43 mixed additions
   * and no doubling. BouncyCastle's comb needs 43 doublings as well and scans its whole table on
   * each lookup to be constant-time; this is about 2.5 times faster (P256PathBenchmark).
   *
   * <p>The lookups here are not constant-time. That is acceptable for the per-message key only: it
   * is used for one multiplication and one ECDH and then dropped, so a cache-timing observer gets a
   * single trace, and learning it would still not reveal the subscriber's auth secret. The table
   * (2,709 points, about half a megabyte) is built on first use in a few milliseconds.
   */
  static final class BaseTable {
    static final int WINDOW = 6;
    private static final int WINDOWS = (256 + WINDOW - 1) / WINDOW;
    private static final int DIGITS = (1 << WINDOW) - 1;
    private static final ECPoint[][] ROWS = build();

    private BaseTable() {}

    private static ECPoint[][] build() {
      ECPoint[][] rows = new ECPoint[WINDOWS][];
      ECPoint base = DOMAIN.getG();
      for (int i = 0; i < WINDOWS; i++) {
        ECPoint[] row = new ECPoint[DIGITS];
        row[0] = base;
        for (int j = 1; j < DIGITS; j++) {
          row[j] = row[j - 1].add(base);
        }
        CURVE.normalizeAll(row);
        rows[i] = row;
        base = row[DIGITS - 1].add(base).normalize();
      }
      return rows;
    }

    /** d·G, not normalised. {@code 0 < d < n}. */
    static ECPoint multiply(BigInteger d) {
      int[] words = Nat256.fromBigInteger(d);
      ECPoint r = CURVE.getInfinity();
      for (int i = 0; i < WINDOWS; i++) {
        int bit = i * WINDOW;
        int word = bit >>> 5;
        int shift = bit & 31;
        int digit = words[word] >>> shift;
        if (shift > 32 - WINDOW && word < 7) {
          digit |= words[word + 1] << (32 - shift);
        }
        digit &= DIGITS;
        if (digit != 0) {
          r = r.add(ROWS[i][digit - 1]);
        }
      }
      return r;
    }
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
