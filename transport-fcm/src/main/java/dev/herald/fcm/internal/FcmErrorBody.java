package dev.herald.fcm.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The structured parts of an FCM HTTP v1 error body, a {@code google.rpc.Status}:
 * <pre>{"error": {"code": 404, "message": "...", "status": "NOT_FOUND", "details": [...]}}</pre>
 * Classification reads only {@code status} and {@code details}; {@code message} is kept for humans.
 *
 * @param status the canonical status ({@code INVALID_ARGUMENT}), or null
 * @param message the human-readable message, or null
 * @param fcmErrorCode {@code errorCode} of the {@code google.firebase.fcm.v1.FcmError} detail, or null
 * @param fieldViolations the {@code field}s of every {@code google.rpc.BadRequest} violation
 * @param errorInfoReason {@code reason} of a {@code google.rpc.ErrorInfo} detail, or null
 */
public record FcmErrorBody(String status, String message, String fcmErrorCode, List<String> fieldViolations,
    String errorInfoReason) {

  static final String FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
  static final String BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest";
  static final String ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";

  /** A body that carried nothing readable (empty, HTML from a proxy, truncated). */
  public static final FcmErrorBody EMPTY = new FcmErrorBody(null, null, null, List.of(), null);

  /** Copies the list. */
  public FcmErrorBody {
    fieldViolations = List.copyOf(fieldViolations);
  }

  /** Reads what it can; anything malformed is skipped, never thrown. */
  public static FcmErrorBody parse(String body) {
    if (body == null || body.isBlank()) {
      return EMPTY;
    }
    Map<String, Object> doc;
    try {
      doc = JSONObjectUtils.parse(body);
    } catch (Exception e) {
      return EMPTY;
    }
    if (!(doc.get("error") instanceof Map<?, ?> error)) {
      return EMPTY;
    }
    String status = str(error.get("status"));
    String message = str(error.get("message"));
    String fcmCode = null;
    String reason = null;
    List<String> fields = new ArrayList<>();
    if (error.get("details") instanceof List<?> details) {
      for (Object d : details) {
        if (!(d instanceof Map<?, ?> detail)) {
          continue;
        }
        String type = str(detail.get("@type"));
        if (FCM_ERROR_TYPE.equals(type) && fcmCode == null) {
          fcmCode = str(detail.get("errorCode"));
        } else if (BAD_REQUEST_TYPE.equals(type) && detail.get("fieldViolations") instanceof List<?> violations) {
          for (Object v : violations) {
            if (v instanceof Map<?, ?> violation && str(violation.get("field")) != null) {
              fields.add(str(violation.get("field")));
            }
          }
        } else if (ERROR_INFO_TYPE.equals(type) && reason == null) {
          reason = str(detail.get("reason"));
        }
      }
    }
    return new FcmErrorBody(status, message, fcmCode, fields, reason);
  }

  private static String str(Object o) {
    return o instanceof String s && !s.isEmpty() ? s : null;
  }
}
