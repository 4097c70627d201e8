package dev.herald.testing;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a fake push service ({@link dev.herald.testing.fcm.FakeFcm},
 * {@link dev.herald.testing.webpush.FakePushService}) answers to one request it has read and found
 * well formed: the service's own success, an error status in the service's own format, or a
 * network fault. A reply without a body of its own gets the body the real service sends for its
 * status (FCM's {@code google.rpc.Status} with the matching error code, a push service's short
 * reason). Immutable and thread-safe; each {@code with...} method returns a new reply.
 *
 * <pre>{@code
 * fcm.answer(token, Reply.status(503).withRetryAfter(Duration.ofSeconds(10)));
 * push.answerNext(Reply.accept().after(Duration.ofSeconds(3)));   // accepted, but answered late
 * }</pre>
 */
public final class Reply {

  /** How the answer ends, when it does not end normally. */
  public enum Cut {
    /** The whole answer is written. */
    NONE,
    /** The connection is closed after the request was read, without a byte of answer. */
    BEFORE_ANSWER,
    /** The status, the headers and half of the body are written, then the connection (HTTP/1.1) or stream (HTTP/2) is cut. */
    MID_BODY,
    /** Nothing is ever written; the connection stays open until the client gives up or the service closes. */
    NEVER_ANSWERED
  }

  private static final Reply ACCEPT = new Reply(0, Map.of(), false, null, null, Duration.ZERO, Cut.NONE);

  private final int status;
  private final Map<String, String> headers;
  private final boolean hasBody;
  private final String contentType;
  private final String body;
  private final Duration delay;
  private final Cut cut;

  private Reply(int status, Map<String, String> headers, boolean hasBody, String contentType, String body,
      Duration delay, Cut cut) {
    this.status = status;
    this.headers = headers;
    this.hasBody = hasBody;
    this.contentType = contentType;
    this.body = body;
    this.delay = delay;
    this.cut = cut;
  }

  /** The service takes the message in: FCM {@code 200} with the message name, Web Push {@code 201} with a {@code Location}. */
  public static Reply accept() {
    return ACCEPT;
  }

  /**
   * Answers {@code status}, with the body the real service sends for it unless {@link #withBody}
   * or {@link #withJson} gives another. A 2xx status is an acceptance.
   *
   * @throws IllegalArgumentException when {@code status} is not between 100 and 599
   */
  public static Reply status(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be 100-599: " + status);
    }
    return new Reply(status, Map.of(), false, null, null, Duration.ZERO, Cut.NONE);
  }

  /** Reads the request, then closes the connection without a byte of answer (a front end that died). Not an acceptance. */
  public static Reply dropConnection() {
    return new Reply(0, Map.of(), false, null, null, Duration.ZERO, Cut.BEFORE_ANSWER);
  }

  /** Reads the request and never answers (the client's timeout decides). Not an acceptance. */
  public static Reply noAnswer() {
    return new Reply(0, Map.of(), false, null, null, Duration.ZERO, Cut.NEVER_ANSWERED);
  }

  /**
   * This reply with a header set (replacing one of the same name).
   *
   * @throws NullPointerException when {@code name} or {@code value} is null
   */
  public Reply withHeader(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.keySet().removeIf(name::equalsIgnoreCase);
    h.put(name, value);
    return new Reply(status, Collections.unmodifiableMap(h), hasBody, contentType, body, delay, cut);
  }

  /**
   * This reply with {@code Retry-After} in whole seconds.
   *
   * @throws IllegalArgumentException when {@code delay} is negative
   */
  public Reply withRetryAfter(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0: " + delay);
    }
    return withHeader("Retry-After", Long.toString(delay.getSeconds()));
  }

  /** This reply with {@code text} as its body and no {@code Content-Type} (an empty text is an empty body). */
  public Reply withBody(String text) {
    return new Reply(status, headers, true, null, Objects.requireNonNull(text, "text"), delay, cut);
  }

  /** This reply with {@code json} as its body, {@code Content-Type: application/json; charset=UTF-8}. */
  public Reply withJson(String json) {
    return new Reply(status, headers, true, "application/json; charset=UTF-8", Objects.requireNonNull(json, "json"), delay, cut);
  }

  /**
   * This reply written only after {@code delay}: an acceptance slower than the client's timeout is a
   * message the service took in although the client could not know.
   *
   * @throws IllegalArgumentException when {@code delay} is negative
   */
  public Reply after(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0: " + delay);
    }
    return new Reply(status, headers, hasBody, contentType, body, delay, cut);
  }

  /** This reply cut in the middle of its body: an acceptance cut so is a message taken in that the client cannot confirm. */
  public Reply cutMidBody() {
    if (cut == Cut.BEFORE_ANSWER || cut == Cut.NEVER_ANSWERED) {
      throw new IllegalStateException("a reply that writes nothing has no body to cut");
    }
    return new Reply(status, headers, hasBody, contentType, body, delay, Cut.MID_BODY);
  }

  /** Whether the service takes the message in (its success or a 2xx status), whatever the client gets to see. */
  public boolean accepted() {
    return (cut == Cut.NONE || cut == Cut.MID_BODY) && (status == 0 || status / 100 == 2);
  }

  /** The status; 0 for {@link #accept()} (the service's own success status) and for replies that write no status. */
  public int status() {
    return status;
  }

  /** The headers set on this reply, in order. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Whether a body was given ({@link #withBody}, {@link #withJson}); otherwise the service writes its own. */
  public boolean hasBody() {
    return hasBody;
  }

  /** The given body's content type, or null. */
  public String contentType() {
    return contentType;
  }

  /** The given body, or null. */
  public String body() {
    return body;
  }

  /** How long the answer waits before it is written. */
  public Duration delay() {
    return delay;
  }

  /** How the answer ends. */
  public Cut cut() {
    return cut;
  }

  /** A short description: {@code accept}, {@code 503 Retry-After: 1}, {@code accept after 3500 ms, cut mid-body}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    switch (cut) {
      case BEFORE_ANSWER -> s.append("connection dropped before answering");
      case NEVER_ANSWERED -> s.append("never answered");
      default -> {
        s.append(status == 0 ? "accept" : Integer.toString(status));
        headers.forEach((k, v) -> s.append(' ').append(k).append(": ").append(v));
        if (!delay.isZero()) {
          s.append(" after ").append(delay.toMillis()).append(" ms");
        }
        if (cut == Cut.MID_BODY) {
          s.append(", cut mid-body");
        }
      }
    }
    return s.toString();
  }
}
