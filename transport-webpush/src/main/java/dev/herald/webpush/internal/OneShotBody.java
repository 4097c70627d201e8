package dev.herald.webpush.internal;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

/**
 * An encrypted message body that tells OkHttp it may be written only once. OkHttp otherwise
 * retries a POST by itself after some I/O errors even when the request was already sent, and the
 * push service may have accepted it: a second, silent send. Retrying is the engine's decision,
 * made from persisted state; a connection found stale before anything was written is still
 * retried by OkHttp, which is safe.
 */
public final class OneShotBody extends RequestBody {
  private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");

  private final byte[] bytes;

  /** Wraps the body; the array is not copied and must not change afterwards. */
  public OneShotBody(byte[] bytes) {
    this.bytes = bytes;
  }

  @Override
  public MediaType contentType() {
    return OCTET_STREAM;
  }

  @Override
  public long contentLength() {
    return bytes.length;
  }

  @Override
  public boolean isOneShot() {
    return true;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    sink.write(bytes);
  }
}
