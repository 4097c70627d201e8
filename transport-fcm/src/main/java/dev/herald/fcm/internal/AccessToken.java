package dev.herald.fcm.internal;

import dev.herald.internal.Redact;
import java.time.Instant;

/**
 * An OAuth2 access token and the instants that govern its reuse.
 *
 * @param value the bearer token; secret
 * @param refreshAt from this instant a send still uses it but starts a refresh in the background
 * @param unusableAt from this instant it is not sent any more (a margin before the real expiry, so
 *     that a request in flight does not arrive with an expired token)
 */
public record AccessToken(String value, Instant refreshAt, Instant unusableAt) {

  /** True while the token may be put on a request. */
  public boolean usableAt(Instant now) {
    return now.isBefore(unusableAt);
  }

  /** True once a background refresh should start. */
  public boolean staleAt(Instant now) {
    return !now.isBefore(refreshAt);
  }

  @Override
  public String toString() {
    return "AccessToken[" + Redact.secret(value) + ", refreshAt=" + refreshAt + ", unusableAt=" + unusableAt + "]";
  }
}
