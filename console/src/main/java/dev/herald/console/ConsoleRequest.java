package dev.herald.console;

import java.net.InetAddress;
import java.util.Optional;

/**
 * A request as the {@link ConsoleAuthorization} hook sees it, before the console reads anything.
 * Implementations are the console's; the host only reads them.
 */
public interface ConsoleRequest {

  /** The HTTP method, upper case. */
  String method();

  /** The path below the console's mount point, starting with {@code /} (such as {@code /api/overview}). */
  String path();

  /** True for a request that changes the outbox (a re-queue); false for pages, assets and reads. */
  boolean action();

  /** A request header's first value. */
  Optional<String> header(String name);

  /** The client's address (the proxy's, behind a reverse proxy). */
  InetAddress remoteAddress();

  /**
   * The container's own request object: {@code jakarta.servlet.http.HttpServletRequest} in a servlet
   * container (for {@code isUserInRole}, {@code getUserPrincipal}), {@code com.sun.net.httpserver.HttpExchange}
   * on the JDK server (for {@code getPrincipal}).
   */
  <T> Optional<T> unwrap(Class<T> type);
}
