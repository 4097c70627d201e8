package dev.herald.testing.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.herald.testing.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The error codes FCM HTTP v1 documents for {@code messages:send} ({@code google.firebase.fcm.v1.FcmError}),
 * each with the HTTP status, the {@code google.rpc.Code} and a message FCM answers with. {@link #reply()}
 * is FCM's answer: a {@code google.rpc.Status} body carrying the code in its details.
 *
 * <pre>{@code
 * fcm.answer(oldToken, FcmError.UNREGISTERED.reply());
 * fcm.answerNext(FcmError.UNAVAILABLE.reply().withRetryAfter(Duration.ofSeconds(10)));
 * }</pre>
 */
public enum FcmError {
  /** 400: the request or the registration token is invalid (FCM gives both the same code). */
  INVALID_ARGUMENT(400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"),
  /** 404: the app instance was unregistered (uninstalled, token expired). */
  UNREGISTERED(404, "NOT_FOUND", "Requested entity was not found."),
  /** 403: the token belongs to another sender (Firebase project). */
  SENDER_ID_MISMATCH(403, "PERMISSION_DENIED", "SenderId mismatch"),
  /** 429: a sending quota was exceeded. */
  QUOTA_EXCEEDED(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute'."),
  /** 503: FCM is overloaded. */
  UNAVAILABLE(503, "UNAVAILABLE", "The service is currently unavailable."),
  /** 500: an unknown internal error. */
  INTERNAL(500, "INTERNAL", "Internal error encountered."),
  /** 401: FCM's own credentials for APNs or a browser's push service were refused. */
  THIRD_PARTY_AUTH_ERROR(401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service");

  private final int httpStatus;
  private final String rpcStatus;
  private final String message;

  FcmError(int httpStatus, String rpcStatus, String message) {
    this.httpStatus = httpStatus;
    this.rpcStatus = rpcStatus;
    this.message = message;
  }

  /** The HTTP status FCM answers with. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The {@code google.rpc.Code} name in the body's {@code status}. */
  public String rpcStatus() {
    return rpcStatus;
  }

  /** FCM's usual message for this code. */
  public String message() {
    return message;
  }

  /** FCM's answer with this code and its usual message. */
  public Reply reply() {
    return reply(message);
  }

  /** FCM's answer with this code and {@code message} (FCM says "Android message is too big" under {@link #INVALID_ARGUMENT}). */
  public Reply reply(String message) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError");
    detail.put("errorCode", name());
    return Reply.status(httpStatus).withJson(status(httpStatus, rpcStatus, message, List.of(detail)));
  }

  /** The code FCM answers with for an HTTP status, or null when FCM documents none for it. */
  public static FcmError forStatus(int httpStatus) {
    for (FcmError e : values()) {
      if (e.httpStatus == httpStatus) {
        return e;
      }
    }
    return null;
  }

  /** A {@code google.rpc.Status} body: {@code {"error": {"code", "message", "status", "details"}}}. */
  static String status(int code, String rpcStatus, String message, List<Map<String, Object>> details) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    error.put("status", rpcStatus);
    if (!details.isEmpty()) {
      error.put("details", details);
    }
    return JSONObjectUtils.toJSONString(Map.of("error", error));
  }
}
