package dev.herald.testing.fcm;

import java.time.Instant;
import java.util.Map;

/**
 * One request {@link FakeFcm}'s OAuth2 token endpoint received. {@link #toString()} shows no token.
 *
 * @param receivedAt when it arrived, on the fake's clock
 * @param claims the assertion's claims ({@code iss}, {@code scope}, {@code aud}, {@code iat}, {@code exp}), or
 *     an empty map when it had no readable assertion
 * @param problem why Google would refuse the grant, or null when it is valid
 * @param accessToken the access token issued, or null when none was
 */
public record TokenRequest(Instant receivedAt, Map<String, Object> claims, String problem, String accessToken) {

  /** A numeric claim ({@code iat}, {@code exp}) as an instant, or null. */
  public Instant instant(String claim) {
    return claims.get(claim) instanceof Number n ? Instant.ofEpochSecond(n.longValue()) : null;
  }

  @Override
  public String toString() {
    return "TokenRequest[iss=" + claims.get("iss") + ", problem=" + problem + ", issued=" + (accessToken != null) + "]";
  }
}
