package dev.herald.webpush.internal;

import java.net.UnknownHostException;

/**
 * A push-service host name resolved to an address the endpoint policy forbids (loopback, private
 * network). An {@link UnknownHostException} so that OkHttp treats it as a failed lookup and never
 * connects.
 */
public final class EndpointAddressRejectedException extends UnknownHostException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message naming the host and the kind of address. */
  public EndpointAddressRejectedException(String message) {
    super(message);
  }
}
