package dev.herald.reliability.support;

import java.time.Duration;

/** What a fake push service does with one request instead of (or before) accepting it. */
public sealed interface Fault {

  /** Accept: Web Push 201, FCM 200. */
  Fault ACCEPT = new Accept();

  /** Whether the push service took the message in (it reaches the device), whatever the client sees. */
  boolean accepted();

  /** Accept. */
  record Accept() implements Fault {
    @Override
    public boolean accepted() {
      return true;
    }
  }

  /**
   * Answer an error status (not accepted).
   *
   * @param code the HTTP status
   * @param retryAfterSeconds the {@code Retry-After} header, or null for none
   */
  record Status(int code, Integer retryAfterSeconds) implements Fault {
    @Override
    public boolean accepted() {
      return false;
    }
  }

  /**
   * Accept, but answer only after {@code delay}: slower than the client's timeout, the client gives
   * up although the message was taken in, so its retry is a duplicate that the display tag hides on screen.
   */
  record Slow(Duration delay) implements Fault {
    @Override
    public boolean accepted() {
      return true;
    }
  }

  /** Read the request, then drop the connection without any answer (not accepted: a front end died). */
  record ResetBeforeResponse() implements Fault {
    @Override
    public boolean accepted() {
      return false;
    }
  }

  /**
   * Start the answer with {@code code} and a body, and drop the connection half-way through the body.
   * Accepted when {@code code} is 2xx.
   */
  record ResetMidBody(int code) implements Fault {
    @Override
    public boolean accepted() {
      return code >= 200 && code < 300;
    }
  }

  /** Chooses the fault for each request. Must be thread-safe. */
  @FunctionalInterface
  interface Plan {
    /**
     * @param service {@code webpush} or {@code fcm}
     * @param key the notification's idempotency key (from the payload)
     * @param attempt this key's request number at this service, from 1
     */
    Fault decide(String service, String key, int attempt);

    /** Accept everything. */
    static Plan none() {
      return (s, k, a) -> ACCEPT;
    }
  }
}
