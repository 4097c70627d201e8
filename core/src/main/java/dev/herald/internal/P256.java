package dev.herald.internal;

import java.math.BigInteger;

/**
 * The NIST P-256 curve equation, so that core can tell a real subscriber public key from 65 random
 * bytes without a crypto provider (RFC 8291 §3.1 requires an uncompressed point on P-256).
 */
public final class P256 {
  private static final BigInteger P =
      new BigInteger("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 16);
  private static final BigInteger A = P.subtract(BigInteger.valueOf(3));
  private static final BigInteger B =
      new BigInteger("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b", 16);

  private P256() {}

  /** True when {@code point} is a 65-byte uncompressed encoding (0x04 || X || Y) of a point on P-256. */
  public static boolean isUncompressedPointOnCurve(byte[] point) {
    if (point == null || point.length != 65 || point[0] != 0x04) {
      return false;
    }
    BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(point, 1, 33));
    BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(point, 33, 65));
    if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
      return false;
    }
    BigInteger lhs = y.multiply(y).mod(P);
    BigInteger rhs = x.pow(3).add(A.multiply(x)).add(B).mod(P);
    return lhs.equals(rhs);
  }
}
