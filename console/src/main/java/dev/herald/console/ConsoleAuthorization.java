package dev.herald.console;

/**
 * The host's decision on every console request: pages, assets, API reads and actions alike. Asked
 * before the console reads anything; a refusal answers 403 and a hook that throws is a refusal.
 *
 * <pre>{@code
 * // In a servlet container, with the host's own authentication in front:
 * .authorization(r -> r.unwrap(HttpServletRequest.class)
 *     .map(h -> h.isUserInRole(r.action() ? "herald-operator" : "herald-viewer")).orElse(false))
 * }</pre>
 *
 * <p>Without a hook the console serves only requests that arrive on a loopback address from a
 * loopback address, and {@link HeraldConsole#start} refuses to listen on any other address. Behind a
 * reverse proxy on the same machine every request looks local: configure a hook there.
 */
@FunctionalInterface
public interface ConsoleAuthorization {

  /** True when the request may proceed. Called on a request thread; must be thread-safe. */
  boolean permits(ConsoleRequest request);
}
