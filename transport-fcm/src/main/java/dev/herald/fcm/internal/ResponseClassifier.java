package dev.herald.fcm.internal;

import dev.herald.Outcome;
import java.time.Duration;
import java.util.Set;

/**
 * Turns an FCM HTTP v1 error response into an {@link Outcome}, reading only the HTTP status and the
 * structured {@code details} of the {@code google.rpc.Status} body, never the message text (which
 * Google may reword or localise).
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>{@code FcmError.errorCode} decides when FCM sent one:
 *     {@code UNREGISTERED}, {@code SENDER_ID_MISMATCH} → target gone; {@code INVALID_ARGUMENT} → see
 *     below; {@code QUOTA_EXCEEDED} → retry no sooner than 60 s; {@code UNAVAILABLE},
 *     {@code INTERNAL} → retry; {@code THIRD_PARTY_AUTH_ERROR} (and its old name
 *     {@code APNS_AUTH_ERROR}) → channel unavailable.
 *   <li>Any 429 → retry no sooner than 60 s and no sooner than {@code Retry-After}; a 429 need not
 *     carry an FcmError detail.
 *   <li>An unknown error code → retry (bounded by the retry policy), the code kept as raw code.
 *   <li>Without an FcmError: 400 → see below; 401, 403, 404 → channel unavailable (the sender's
 *     token, permission, project id or base URL is wrong, which would fail every device alike, so it
 *     must pause rather than prune); a redirect (3xx, never followed) → channel unavailable;
 *     413 → rejected; 408, 5xx and anything else → retry.
 * </ol>
 *
 * <p><b>When INVALID_ARGUMENT means the device is gone.</b> FCM reports a malformed or foreign
 * registration token as an FcmError {@code INVALID_ARGUMENT} with no {@code BadRequest} detail, and
 * an invalid payload field as a {@code BadRequest} whose field violations name the field
 * ({@code message.android.ttl}). So: a field violation on the target ({@code message.token},
 * {@code message.fid}) → target gone; a field violation on any other field → rejected (the device
 * is kept); no field violation at all → target gone only when FCM's own FcmError detail says
 * {@code INVALID_ARGUMENT}, otherwise rejected.
 *
 * <p><b>"Message too big"</b> carries the same bare FcmError {@code INVALID_ARGUMENT}; read as
 * target gone it would prune a healthy device. The transport refuses before sending every message
 * FCM could find too big (it counts the JSON it sends, see {@code MessageMapper}), and, should one
 * come back all the same, a bare {@code INVALID_ARGUMENT} whose message says the message is too
 * big or too large is rejected instead. This is the one place the message text is read, and it can
 * only spare a device, never prune one: reworded by Google, it falls back to the structural rule.
 *
 * <p>Broadcasts (topic, condition) have no device to lose: what would be target gone is rejected.
 */
public final class ResponseClassifier {
  /** The least delay after a quota error: FCM's quotas are per minute. */
  public static final Duration MIN_QUOTA_DELAY = Duration.ofSeconds(60);

  private static final Set<String> TARGET_FIELDS = Set.of("message.token", "message.fid");

  private ResponseClassifier() {}

  /**
   * True when a 401 means FCM refused our OAuth2 access token, which a refresh may cure, rather
   * than FCM's own APNs or Web Push credentials ({@code THIRD_PARTY_AUTH_ERROR}), which it cannot.
   */
  public static boolean accessTokenRejected(int http, FcmErrorBody error) {
    return http == 401 && !isThirdPartyAuth(error.fcmErrorCode());
  }

  /**
   * Classifies a non-2xx response.
   *
   * @param http the HTTP status
   * @param error the parsed body ({@link FcmErrorBody#EMPTY} when unreadable)
   * @param retryAfter the parsed {@code Retry-After}, or null
   * @param deviceTarget true for a device (fid or token), false for a topic or condition
   */
  public static Outcome classify(int http, FcmErrorBody error, Duration retryAfter, boolean deviceTarget) {
    String code = error.fcmErrorCode();
    String raw = rawCode(http, error);
    if (code != null) {
      switch (code) {
        case "UNREGISTERED":
          return gone(raw, reason(http, error, deviceTarget ? "the app instance is no longer registered" : null),
              deviceTarget);
        case "SENDER_ID_MISMATCH":
          return gone(raw, reason(http, error, "the device belongs to another Firebase project"), deviceTarget);
        case "INVALID_ARGUMENT":
          return invalidArgument(http, error, deviceTarget);
        case "QUOTA_EXCEEDED":
          return quota(http, error, retryAfter);
        case "UNAVAILABLE":
        case "INTERNAL":
          return new Outcome.Retry(retryAfter, raw, reason(http, error, null));
        case "THIRD_PARTY_AUTH_ERROR":
        case "APNS_AUTH_ERROR":
          return new Outcome.ChannelUnavailable(retryAfter, raw, reason(http, error,
              "FCM could not authenticate to APNs or Web Push: fix the credentials in the Firebase project"));
        default:
          break;
      }
    }
    if (http == 429) {
      return quota(http, error, retryAfter);
    }
    if (code != null) {
      return new Outcome.Retry(retryAfter, raw, reason(http, error, "unknown FCM error code"));
    }
    if (http >= 300 && http < 400) {
      // Never followed (it would re-post the message and the access token elsewhere), and the same
      // for every device: the base URL is wrong, so pause rather than burn the messages.
      return new Outcome.ChannelUnavailable(retryAfter, raw, reason(http, error,
          "FCM answered a redirect, which Herald never follows: check the base URL"));
    }
    switch (http) {
      case 400:
        return invalidArgument(http, error, deviceTarget);
      case 401:
        return new Outcome.ChannelUnavailable(retryAfter, raw, reason(http, error,
            "FCM refused the OAuth2 access token even after a refresh: check the service account"));
      case 403:
        return new Outcome.ChannelUnavailable(retryAfter, raw, reason(http, error,
            "the service account may not send for this project, or the FCM API is disabled"));
      case 404:
        return new Outcome.ChannelUnavailable(retryAfter, raw, reason(http, error,
            "no such project or endpoint: check project_id and the base URL"));
      case 413:
        return new Outcome.Rejected(raw, reason(http, error, "message too large"));
      default:
        return new Outcome.Retry(retryAfter, raw, reason(http, error, null));
    }
  }

  /** The FcmError code, else the canonical status, else the HTTP status. */
  public static String rawCode(int http, FcmErrorBody error) {
    if (error.fcmErrorCode() != null) {
      return error.fcmErrorCode();
    }
    return error.status() != null ? error.status() : Integer.toString(http);
  }

  private static Outcome invalidArgument(int http, FcmErrorBody error, boolean deviceTarget) {
    String raw = rawCode(http, error);
    boolean targetGone;
    if (!error.fieldViolations().isEmpty()) {
      targetGone = error.fieldViolations().stream().anyMatch(TARGET_FIELDS::contains);
    } else {
      targetGone = "INVALID_ARGUMENT".equals(error.fcmErrorCode()) && !saysTooBig(error.message());
    }
    if (targetGone) {
      return gone(raw, reason(http, error, "the device's token or installation id is not valid"), deviceTarget);
    }
    String fields = error.fieldViolations().isEmpty() ? "" : " " + error.fieldViolations();
    String hint = error.fieldViolations().isEmpty() && saysTooBig(error.message()) ? "message too big" : "invalid message";
    return new Outcome.Rejected(raw, reason(http, error, hint + fields));
  }

  private static boolean saysTooBig(String message) {
    if (message == null) {
      return false;
    }
    String m = message.toLowerCase(java.util.Locale.ROOT);
    return m.contains("too big") || m.contains("too large");
  }

  private static Outcome gone(String raw, String reason, boolean deviceTarget) {
    return deviceTarget ? new Outcome.TargetGone(raw, reason) : new Outcome.Rejected(raw, reason);
  }

  private static Outcome quota(int http, FcmErrorBody error, Duration retryAfter) {
    Duration after = retryAfter == null || retryAfter.compareTo(MIN_QUOTA_DELAY) < 0 ? MIN_QUOTA_DELAY : retryAfter;
    return new Outcome.Retry(after, rawCode(http, error), reason(http, error, "quota exceeded"));
  }

  private static boolean isThirdPartyAuth(String code) {
    return "THIRD_PARTY_AUTH_ERROR".equals(code) || "APNS_AUTH_ERROR".equals(code);
  }

  /** {@code FCM 404 UNREGISTERED (hint): "message" [ErrorInfo reason]}, short. */
  static String reason(int http, FcmErrorBody error, String hint) {
    StringBuilder sb = new StringBuilder("FCM ").append(http).append(' ').append(rawCode(http, error));
    if (hint != null) {
      sb.append(" (").append(hint).append(')');
    }
    if (error.message() != null) {
      sb.append(": ").append(dev.herald.internal.Redact.quote(error.message(), 160));
    }
    if (error.errorInfoReason() != null) {
      sb.append(" [").append(error.errorInfoReason()).append(']');
    }
    return sb.toString();
  }
}
