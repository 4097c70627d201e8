package dev.herald.fcm.internal;

import dev.herald.internal.Checks;
import dev.herald.internal.IpAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Dns;

/**
 * Keeps the FCM transport's credentials (the signed assertion, the access token) away from this
 * machine's other services and from private networks: a name is resolved and only the addresses
 * the rule allows are used; literal addresses, which OkHttp never resolves, are checked when the
 * transport is built. Loopback is allowed (local emulators and tests), private networks only when
 * allowed, the unspecified addresses never.
 */
public final class AddressGuard implements Dns {
  private final Dns delegate;
  private final boolean allowPrivateNetworks;

  /** Resolves through {@code delegate}, keeping only allowed addresses. */
  public AddressGuard(Dns delegate, boolean allowPrivateNetworks) {
    this.delegate = delegate;
    this.allowPrivateNetworks = allowPrivateNetworks;
  }

  /** True when a connection to this address is allowed. */
  public static boolean allows(InetAddress a, boolean allowPrivateNetworks) {
    return switch (IpAddresses.kind(a)) {
      case UNSPECIFIED -> false;
      case PRIVATE -> allowPrivateNetworks;
      case LOOPBACK, PUBLIC -> true;
    };
  }

  /** Records a problem when {@code host} is a literal address the rule refuses. */
  public static void checkLiteral(Checks c, String field, String host, boolean allowPrivateNetworks) {
    InetAddress a = IpAddresses.literal(host);
    if (a != null && !allows(a, allowPrivateNetworks)) {
      c.add(field, IpAddresses.kind(a) == IpAddresses.Kind.UNSPECIFIED
          ? "must not be an unspecified address (0.0.0.0/8 or ::, which reach this machine): " + host
          : "must not be a private-network or link-local address (allowPrivateNetworks(true) allows one): " + host);
    }
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> allowed = new ArrayList<>();
    for (InetAddress a : delegate.lookup(hostname)) {
      if (allows(a, allowPrivateNetworks)) {
        allowed.add(a);
      }
    }
    if (allowed.isEmpty()) {
      throw new UnknownHostException(Checks.printable(hostname) && hostname.length() < 256
          ? hostname + " resolves only to addresses the FCM transport may not contact (private or unspecified)"
          : "a host resolves only to addresses the FCM transport may not contact (private or unspecified)");
    }
    return allowed;
  }
}
