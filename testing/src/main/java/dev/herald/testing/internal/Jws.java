package dev.herald.testing.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;

/**
 * A compact JWS (RFC 7515 §7.1) read and verified with the JDK's own signature code, so that the
 * fakes check what a sender signed independently of the JOSE library the sender used.
 *
 * @param header the protected header
 * @param claims the payload as JSON
 * @param signingInput the bytes that were signed
 * @param signature the signature (for ES256 the 64-byte R || S of RFC 7518 §3.4)
 */
public record Jws(Map<String, Object> header, Map<String, Object> claims, byte[] signingInput, byte[] signature) {

  /**
   * Reads a compact JWS.
   *
   * @throws IllegalArgumentException saying what is wrong when it is not three base64url parts of JSON
   */
  public static Jws parse(String compact) {
    String[] parts = compact == null ? new String[0] : compact.split("\\.", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("a JWT must be three base64url parts separated by dots");
    }
    try {
      Base64.Decoder b64 = Base64.getUrlDecoder();
      Map<String, Object> header = JSONObjectUtils.parse(new String(b64.decode(parts[0]), StandardCharsets.UTF_8));
      Map<String, Object> claims = JSONObjectUtils.parse(new String(b64.decode(parts[1]), StandardCharsets.UTF_8));
      return new Jws(header, claims, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), b64.decode(parts[2]));
    } catch (java.text.ParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the JWT is not base64url-encoded JSON: " + e.getMessage(), e);
    }
  }

  /** Whether {@code key} verifies the signature: RS256 is the JDK's {@code SHA256withRSA}, ES256 {@code SHA256withECDSAinP1363Format}. */
  public boolean verifiedBy(PublicKey key) {
    String alg = String.valueOf(header.get("alg"));
    String jdk = switch (alg) {
      case "RS256" -> "SHA256withRSA";
      case "ES256" -> "SHA256withECDSAinP1363Format";
      default -> null;
    };
    if (jdk == null) {
      return false;
    }
    try {
      Signature s = Signature.getInstance(jdk);
      s.initVerify(key);
      s.update(signingInput);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** A numeric claim in epoch seconds, or null when absent or not a number. */
  public Long seconds(String claim) {
    return claims.get(claim) instanceof Number n ? n.longValue() : null;
  }
}
