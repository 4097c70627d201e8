package dev.herald.webpush.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Predicate;
import okhttp3.Dns;

/**
 * Resolves with the wrapped {@link Dns}, then refuses the whole answer if any address is one the
 * endpoint policy forbids. Checking the resolved address, not only the name, is what stops a public
 * name that points at {@code 127.0.0.1} or the cloud metadata address from reaching it. A mixed
 * answer is refused outright rather than filtered: it is a sign of a hostile or broken zone.
 */
public final class PolicyDns implements Dns {
  private final Dns delegate;
  private final Predicate<InetAddress> allowed;

  /** Wraps {@code delegate}, letting through only answers whose every address passes {@code allowed}. */
  public PolicyDns(Dns delegate, Predicate<InetAddress> allowed) {
    this.delegate = delegate;
    this.allowed = allowed;
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> addresses = delegate.lookup(hostname);
    for (InetAddress a : addresses) {
      if (!allowed.test(a)) {
        throw new EndpointAddressRejectedException("push service host " + hostname + " resolves to "
            + (a.isLoopbackAddress() ? "a loopback" : "a private-network") + " address (" + a.getHostAddress()
            + "), which the endpoint policy does not allow");
      }
    }
    return addresses;
  }
}
