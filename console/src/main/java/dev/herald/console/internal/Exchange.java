package dev.herald.console.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One HTTP exchange, whatever server carries it: what {@link ConsoleHandler} needs and nothing more. */
public interface Exchange {

  /** The method, upper case. */
  String method();

  /** The raw (undecoded) path below the mount point: empty at the mount point itself, else starting with {@code /}. */
  String path();

  /** The absolute raw path of the mount point, without a trailing slash (empty for a root mount). */
  String mountPath();

  /** The raw query string, or null. */
  String rawQuery();

  /** A header's first value. */
  Optional<String> header(String name);

  /** The client's address. */
  InetAddress remoteAddress();

  /** The address the request arrived on. */
  InetAddress localAddress();

  /** True over TLS. */
  boolean secure();

  /** The body, or null when it is longer than {@code max} bytes. */
  byte[] body(int max) throws IOException;

  /** Sends the response; {@code headers} may repeat a name (Set-Cookie). */
  void respond(int status, List<Map.Entry<String, String>> headers, byte[] body) throws IOException;

  /** The container's own request object, when it is a {@code type}. */
  <T> Optional<T> unwrap(Class<T> type);
}
