package dev.herald.reliability.support;

import dev.herald.testing.Reply;

/**
 * What the fake push services answer to each well-formed request of the suite: herald-testing's
 * {@link Reply} (an acceptance, an error status with {@code Retry-After}, an answer slower than the
 * client's timeout, a connection dropped before the answer or cut in the middle of its body),
 * chosen by service, idempotency key and attempt. Must be thread-safe: the services' threads call it.
 */
@FunctionalInterface
public interface Plan {
  /**
   * Chooses the answer.
   *
   * @param service {@code webpush} or {@code fcm}
   * @param key the notification's idempotency key (from the payload)
   * @param attempt this key's request number at the push services, from 1
   */
  Reply decide(String service, String key, int attempt);

  /** Accept everything. */
  static Plan none() {
    return (s, k, a) -> Reply.accept();
  }
}
