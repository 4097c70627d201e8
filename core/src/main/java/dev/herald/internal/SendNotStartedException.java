package dev.herald.internal;

import java.io.IOException;

/**
 * Thrown where an HTTP transport's request is about to leave (an OkHttp interceptor, which runs
 * after the client's own queue) when the claim's {@link dev.herald.spi.SendDeadline} leaves too
 * little time: the call then fails before anything is sent, and the transport answers
 * {@link dev.herald.Outcome.NotSent}.
 */
public final class SendNotStartedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** With the deadline's reason. */
  public SendNotStartedException(String reason) {
    super(reason);
  }
}
