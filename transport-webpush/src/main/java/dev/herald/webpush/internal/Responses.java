package dev.herald.webpush.internal;

import dev.herald.Outcome;
import dev.herald.internal.Redact;
import dev.herald.internal.RetryAfterHeader;
import dev.herald.internal.SendNotStartedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;

/**
 * Maps a push service's answer to an {@link Outcome} (RFC 8030 §5, RFC 8292 §4, and what the
 * big push services actually send). Every non-delivered outcome keeps the HTTP status as its raw
 * code.
 */
public final class Responses {
  /** How much of an error body is kept in a reason. */
  public static final int EXCERPT_CHARS = 200;

  private Responses() {}

  /**
   * The outcome of a 401/403 that concerns one subscription only (see {@link CredentialRefusals}):
   * rejected, with the likely cause and what to do.
   */
  public static Outcome refusedForThisSubscription(int code, String body) {
    return Outcome.rejected(Integer.toString(code), "push service answered " + code + " for this subscription"
        + " only: it refused this subscription before and has since accepted our VAPID authorization for another,"
        + " so the subscription was most likely made with another application server key; subscribe the browser"
        + " again with the current key" + excerpt(body));
  }

  /**
   * Classifies one response.
   *
   * @param code the HTTP status
   * @param location the {@code Location} header, or null
   * @param retryAfter the {@code Retry-After} header, or null
   * @param body the start of the response body (may be empty)
   * @param now the current time, for an HTTP-date {@code Retry-After}
   */
  public static Outcome classify(int code, String location, String retryAfter, String body, Instant now) {
    String raw = Integer.toString(code);
    if (code >= 200 && code < 300) {
      return Outcome.delivered(location);
    }
    String excerpt = excerpt(body);
    switch (code) {
      case 404:
      case 410:
        return Outcome.targetGone(raw, "push service answered " + code
            + ": the subscription has expired or been unsubscribed" + excerpt);
      case 400:
        return Outcome.rejected(raw, "push service answered 400: it refused this request as malformed" + excerpt);
      case 413:
        return Outcome.rejected(raw, "push service answered 413: the encrypted payload is too large" + excerpt);
      case 401:
      case 403:
        return new Outcome.ChannelUnavailable(retryAfter(retryAfter, now), raw, "push service answered " + code
            + ": it rejected the VAPID authorization; check the VAPID key pair and subject" + excerpt);
      case 408:
      case 429:
        return Outcome.retry(retryAfter(retryAfter, now), raw, "push service answered " + code
            + (code == 429 ? ": too many requests" : ": request timeout") + excerpt);
      default:
        break;
    }
    if (code >= 500) {
      return Outcome.retry(retryAfter(retryAfter, now), raw, "push service answered " + code + excerpt);
    }
    if (code >= 300 && code < 400) {
      return Outcome.rejected(raw, "push service answered a redirect (" + code
          + "), which Herald never follows (endpoint policy)");
    }
    return Outcome.rejected(raw, "push service answered unexpected status " + code + excerpt);
  }

  /** Classifies a call that produced no response: timeouts, refused and reset connections. */
  public static Outcome failure(IOException e) {
    if (e instanceof EndpointAddressRejectedException rejected) {
      return Outcome.rejected(null, rejected.getMessage());
    }
    if (e instanceof SendNotStartedException late) {
      return new Outcome.NotSent(late.getMessage());
    }
    String kind = e instanceof SocketTimeoutException || (e instanceof InterruptedIOException && "timeout".equals(e.getMessage()))
        ? "timeout"
        : e instanceof ConnectException ? "connection failed" : "I/O error";
    return Outcome.retry(null, kind + ": " + e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + Redact.quote(e.getMessage(), EXCERPT_CHARS)));
  }

  /**
   * Parses {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, at most
   * {@link RetryAfterHeader#MAX}. A date in the past is zero; an unreadable value is null (the
   * retry policy decides).
   */
  public static Duration retryAfter(String value, Instant now) {
    return RetryAfterHeader.parse(value, now);
  }

  private static String excerpt(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    return "; body: " + Redact.quote(body.strip(), EXCERPT_CHARS);
  }
}
