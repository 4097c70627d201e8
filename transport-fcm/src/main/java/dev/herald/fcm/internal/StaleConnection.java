package dev.herald.fcm.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Protocol;

/**
 * Watches one call to tell whether its failure came from a pooled connection that FCM (or a proxy
 * in front of it) had already closed, so that the request may be sent once more at once, on a new
 * connection, without spending an attempt. The Web Push transport has the same class: the two
 * transports share no module but core, which has no HTTP.
 *
 * <p>Servers close idle keep-alive connections on their own schedule (Node's default is 5 s), while
 * OkHttp checks an idle HTTP/1.1 connection for a close only after 10 s; the request body is one-shot
 * (a silent resend of an accepted message would be a second delivery), so OkHttp does not retry it
 * either. The call is safe to resend only when all of these hold: the connection came from the pool
 * (a failure on a new connection says something about the service, not about an old socket), it
 * is HTTP/1.1 (OkHttp reads HTTP/2 connections continuously and drops a closed one before use), it
 * did not time out, and no byte of an answer arrived: writing the request failed (the connection
 * was reset while idle), or reading the status line met the end of the stream before its first
 * byte. A reset while reading is not enough: bytes of an answer may have arrived before it. A
 * service that read the whole request and then closed the connection without a byte of answer
 * cannot be told apart from a stale connection; that request is sent once more, and the display tag
 * hides a repeat on screen.
 */
public final class StaleConnection extends EventListener {
  // okio's words for "the stream ended before the first byte of a line"; any other wording reads as
  // "bytes may have arrived", which is the safe reading.
  private static final String EOF_AT_FIRST_BYTE = "\\n not found: limit=0 ";

  private volatile boolean acquired;
  private volatile boolean connected;
  private volatile boolean multiplexed;
  private volatile boolean answerStarted;
  private volatile boolean writeFailed;

  private StaleConnection() {}

  /** Starts watching {@code call}; call before it is executed or enqueued. */
  public static StaleConnection watch(Call call) {
    StaleConnection watcher = new StaleConnection();
    call.addEventListener(watcher);
    return watcher;
  }

  /** True when {@code failure}, the watched call's, came from a stale pooled connection (see above). */
  public boolean safeToResend(Call call, IOException failure) {
    if (!acquired || connected || multiplexed || answerStarted || call.isCanceled() || timedOut(failure)) {
      return false;
    }
    return writeFailed || endedAtFirstByte(failure);
  }

  // A timeout closes the socket itself: the service may still be working on the request.
  private static boolean timedOut(IOException failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InterruptedIOException) {
        return true;
      }
    }
    return false;
  }

  private static boolean endedAtFirstByte(IOException failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof EOFException && t.getMessage() != null && t.getMessage().startsWith(EOF_AT_FIRST_BYTE)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void connectStart(Call call, InetSocketAddress inetSocketAddress, Proxy proxy) {
    connected = true;
  }

  @Override
  public void connectionAcquired(Call call, Connection connection) {
    acquired = true;
    multiplexed = connection.protocol() == Protocol.HTTP_2 || connection.protocol() == Protocol.H2_PRIOR_KNOWLEDGE;
  }

  @Override
  public void requestFailed(Call call, IOException ioe) {
    writeFailed = true;
  }

  @Override
  public void responseHeadersStart(Call call) {
    answerStarted = true;
  }

  @Override
  public void responseFailed(Call call, IOException ioe) {
    // A failure while reading a body means headers arrived; responseHeadersStart already said so.
  }
}
