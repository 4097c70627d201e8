package dev.herald.testing.webpush;

import dev.herald.testing.internal.Jws;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A push service's reading of a request's VAPID authorization (RFC 8292): {@code vapid t=<JWT>, k=<key>},
 * the key the subscription was made with, an ES256 signature by it (verified with the JDK's own
 * code), {@code aud} the push service's origin, {@code exp} in the future and at most 24 hours
 * ahead, {@code sub} a {@code mailto:} or {@code https:} URI.
 *
 * @param status 0 when valid, 401 when the authorization is missing or invalid, 403 when it is valid
 *     but signed with another key than the subscription's
 * @param problems what is wrong (empty when valid)
 * @param key the {@code k} it carried, or null
 * @param claims the JWT's claims, or null when it had no readable JWT
 */
public record VapidCheck(int status, List<String> problems, String key, Map<String, Object> claims) {
  private static final Pattern AUTHORIZATION = Pattern.compile("vapid t=([A-Za-z0-9_.-]+), ?k=([A-Za-z0-9_=-]+)");

  /**
   * Checks {@code authorization}.
   *
   * @param origin the push service's origin as the client addressed it ({@code https://push.example.net})
   * @param applicationServerKey the subscription's key (base64url), or null for a subscription made without one
   * @param now the push service's time
   */
  public static VapidCheck of(String authorization, String origin, String applicationServerKey, Instant now) {
    List<String> problems = new ArrayList<>();
    if (authorization == null) {
      problems.add("Authorization is required");
      return new VapidCheck(401, problems, null, null);
    }
    Matcher m = AUTHORIZATION.matcher(authorization);
    if (!m.matches()) {
      problems.add("Authorization must be 'vapid t=<jwt>, k=<key>'");
      return new VapidCheck(401, problems, null, null);
    }
    // A browser may register the key with base64 padding; the header carries it without.
    String k = m.group(2).replace("=", "");
    Jws jws;
    try {
      jws = Jws.parse(m.group(1));
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return new VapidCheck(401, problems, k, null);
    }
    if (!"ES256".equals(jws.header().get("alg"))) {
      problems.add("JWT alg must be ES256: " + jws.header().get("alg"));
    }
    if (jws.header().containsKey("typ") && !"JWT".equals(jws.header().get("typ"))) {
      problems.add("JWT typ must be JWT: " + jws.header().get("typ"));
    }
    try {
      ECPublicKey key = PushSubscriber.publicKey(Base64.getUrlDecoder().decode(k));
      if (!jws.verifiedBy(key)) {
        problems.add("JWT signature does not verify with k");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      problems.add("k is not a P-256 public key");
    }
    Map<String, Object> claims = jws.claims();
    if (!(claims.get("aud") instanceof String aud) || !aud.equals(origin)) {
      problems.add("aud must be the string " + origin + ": " + claims.get("aud"));
    }
    Long exp = jws.seconds("exp");
    if (exp == null) {
      problems.add("exp is required");
    } else {
      Instant expiry = Instant.ofEpochSecond(exp);
      if (!expiry.isAfter(now)) {
        problems.add("JWT expired at " + expiry);
      }
      if (expiry.isAfter(now.plus(Duration.ofHours(24)))) {
        problems.add("exp must be at most 24 hours ahead: " + expiry);
      }
    }
    if (!(claims.get("sub") instanceof String sub) || !(sub.startsWith("mailto:") || sub.startsWith("https:"))) {
      problems.add("sub must be a mailto: or https: URI: " + claims.get("sub"));
    }
    if (!problems.isEmpty()) {
      return new VapidCheck(401, problems, k, claims);
    }
    if (applicationServerKey != null && !k.equals(applicationServerKey.replace("=", ""))) {
      problems.add("the VAPID key is not the applicationServerKey the subscription was made with");
      return new VapidCheck(403, problems, k, claims);
    }
    return new VapidCheck(0, problems, k, claims);
  }

  /** Whether the authorization is valid for the subscription. */
  public boolean valid() {
    return status == 0;
  }
}
