package dev.herald.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * IP literals parsed without DNS, and what kind of address an address is, for the rules that keep
 * Herald's HTTP clients away from the machine itself and from private networks (server-side request
 * forgery through a registered endpoint or a pasted {@code token_uri}).
 *
 * <p>A host is a literal only in its strict forms: four decimal octets ({@code 127.0.0.1}), or an
 * IPv6 address with or without brackets. Anything else ({@code 127.1}, {@code 0x7f.0.0.1},
 * {@code 127.attacker.example}) is a host name and is judged as one, by the addresses it resolves to.
 */
public final class IpAddresses {
  private IpAddresses() {}

  /** The kinds of address the rules distinguish. */
  public enum Kind {
    /** {@code 0.0.0.0/8} and {@code ::}: "this host" when connected to, so never allowed. */
    UNSPECIFIED,
    /** {@code 127.0.0.0/8}, {@code ::1}. */
    LOOPBACK,
    /**
     * Private (RFC 1918, IPv6 unique local), link-local (including the cloud metadata address
     * {@code 169.254.169.254}), carrier-grade NAT, multicast, broadcast and the deprecated
     * site-local range.
     */
    PRIVATE,
    /** Everything else. */
    PUBLIC
  }

  /**
   * The address of an IP literal host ({@code 10.0.0.1}, {@code ::1}, {@code [::1]}), or null when
   * the host is not a literal in one of the strict forms. Never touches DNS.
   */
  public static InetAddress literal(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    String h = host;
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.indexOf(':') >= 0) {
      // Only hex digits, colons, dots (an embedded IPv4) and a zone id may follow; getByName then
      // parses the literal without a lookup.
      for (int i = 0; i < h.length(); i++) {
        char c = h.charAt(i);
        boolean ok = c == ':' || c == '.' || c == '%' || Character.digit(c, 16) >= 0;
        if (!ok) {
          return null;
        }
      }
      try {
        return InetAddress.getByName(h);
      } catch (UnknownHostException | SecurityException e) {
        return null;
      }
    }
    String[] parts = h.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      b[i] = (byte) v;
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * The kind of an address. An IPv4 address embedded in IPv6 (IPv4-mapped {@code ::ffff:a.b.c.d},
   * IPv4-compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::a.b.c.d}) is judged as that IPv4
   * address.
   */
  public static Kind kind(InetAddress a) {
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      InetAddress v4 = embeddedIpv4(b);
      if (v4 != null) {
        return kind(v4);
      }
      if (a.isAnyLocalAddress()) {
        return Kind.UNSPECIFIED;
      }
      if (a.isLoopbackAddress()) {
        return Kind.LOOPBACK;
      }
      // fc00::/7 unique local, which isSiteLocalAddress (fec0::/10) does not cover.
      if (a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress() || (b[0] & 0xfe) == 0xfc) {
        return Kind.PRIVATE;
      }
      return Kind.PUBLIC;
    }
    byte[] b = a.getAddress();
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (first == 0) {
      return Kind.UNSPECIFIED;
    }
    if (first == 127) {
      return Kind.LOOPBACK;
    }
    if (a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress() || first >= 240
        || (first == 100 && second >= 64 && second < 128)) {
      return Kind.PRIVATE;
    }
    return Kind.PUBLIC;
  }

  /**
   * True when plain http to this host cannot leave the machine: {@code localhost} or a loopback
   * literal. A name that merely starts with {@code 127.} or ends with {@code .localhost} is not
   * enough, since DNS could point it anywhere.
   */
  public static boolean isLoopbackHost(String host) {
    if (host == null) {
      return false;
    }
    if (host.toLowerCase(Locale.ROOT).equals("localhost")) {
      return true;
    }
    InetAddress a = literal(host);
    return a != null && kind(a) == Kind.LOOPBACK;
  }

  private static InetAddress embeddedIpv4(byte[] b) {
    boolean firstTenZero = true;
    for (int i = 0; i < 10; i++) {
      firstTenZero &= b[i] == 0;
    }
    boolean mapped = firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = firstTenZero && b[10] == 0 && b[11] == 0
        && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1)); // :: and ::1 are their own
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    if (!mapped && !compatible && !nat64) {
      return null;
    }
    try {
      return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
