package dev.herald.webpush;

import dev.herald.InvalidInputException;
import dev.herald.internal.IpAddresses;
import dev.herald.internal.Redact;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * Which push-service endpoints Herald may send to. A subscription's endpoint comes from a browser,
 * that is from the public: without a policy, anyone who can register a device could make the server
 * POST to an internal address (server-side request forgery).
 *
 * <p>The policy is checked when a subscription is registered ({@link WebPushTransport#validate}),
 * again before every send, and once more on the addresses the host name resolves to (so a public
 * name pointing at {@code 127.0.0.1} or {@code 10.0.0.1} is refused too). Redirects are never
 * followed. By default only the known push services are allowed:
 * {@value #FCM}, {@value #MOZILLA}, {@value #WINDOWS} and {@value #APPLE}.
 *
 * <pre>{@code
 * EndpointPolicy policy = EndpointPolicy.builder()
 *     .allowKnownPushServices()
 *     .allowHost("push.example.net")      // a self-hosted push service
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class EndpointPolicy {
  /** Chrome, Edge on Android, Opera, Samsung Internet: Firebase Cloud Messaging. */
  public static final String FCM = "fcm.googleapis.com";
  /** Firefox: Mozilla autopush. */
  public static final String MOZILLA = "updates.push.services.mozilla.com";
  /** Edge on Windows: Windows Push Notification Services. */
  public static final String WINDOWS = "*.notify.windows.com";
  /** Safari: Apple web push. */
  public static final String APPLE = "*.push.apple.com";
  /** The push services every mainstream browser uses today. */
  public static final List<String> KNOWN_PUSH_SERVICES = List.of(FCM, MOZILLA, WINDOWS, APPLE);

  private static final String SUBJECT = "web push subscription";
  private static final Pattern HOST_PATTERN =
      Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final EndpointPolicy DEFAULTS = builder().allowKnownPushServices().build();

  private final List<String> hosts;
  private final boolean allowHttp;
  private final boolean allowLoopback;
  private final boolean allowPrivateNetworks;

  private EndpointPolicy(Builder b) {
    this.hosts = List.copyOf(b.hosts);
    this.allowHttp = b.allowHttp;
    this.allowLoopback = b.allowLoopback;
    this.allowPrivateNetworks = b.allowPrivateNetworks;
  }

  /** Only the {@link #KNOWN_PUSH_SERVICES}, https only, no loopback or private addresses. */
  public static EndpointPolicy defaults() {
    return DEFAULTS;
  }

  /** A builder that starts with no allowed host; call {@link Builder#allowKnownPushServices()} to start from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks an endpoint URL.
   *
   * @throws InvalidInputException naming {@code endpoint} when the policy does not allow it; the
   *     message shows the scheme and host and never the path, which is the subscriber's secret
   */
  public void check(String endpoint) {
    String problem = problem(endpoint);
    if (problem != null) {
      throw new InvalidInputException(SUBJECT, List.of(new InvalidInputException.Problem("endpoint", problem)));
    }
  }

  /** True when {@link #check(String)} would accept the endpoint. */
  public boolean allows(String endpoint) {
    return problem(endpoint) == null;
  }

  /**
   * True when a connection to this resolved address is allowed: public addresses always, loopback
   * only with {@link Builder#allowLoopback}, private, link-local, multicast and carrier-grade NAT
   * addresses only with {@link Builder#allowPrivateNetworks}, and the unspecified addresses
   * ({@code 0.0.0.0/8}, {@code ::}, which reach this machine) never. An IPv4 address embedded in
   * IPv6 counts as that IPv4 address.
   */
  public boolean allowsAddress(InetAddress address) {
    return switch (IpAddresses.kind(address)) {
      case UNSPECIFIED -> false;
      case LOOPBACK -> allowLoopback;
      case PRIVATE -> allowPrivateNetworks;
      case PUBLIC -> true;
    };
  }

  /** The allowed host names and {@code *.domain} patterns, in the order added. */
  public List<String> hosts() {
    return hosts;
  }

  /** Whether plain {@code http} endpoints are allowed. */
  public boolean allowHttp() {
    return allowHttp;
  }

  /** Whether loopback endpoints and addresses are allowed. */
  public boolean allowLoopback() {
    return allowLoopback;
  }

  /** Whether private-network addresses are allowed. */
  public boolean allowPrivateNetworks() {
    return allowPrivateNetworks;
  }

  @Override
  public String toString() {
    return "EndpointPolicy[hosts=" + hosts + ", allowHttp=" + allowHttp + ", allowLoopback=" + allowLoopback
        + ", allowPrivateNetworks=" + allowPrivateNetworks + "]";
  }

  /** The problem with an endpoint, or null when it is allowed. Parsed exactly as OkHttp will send it. */
  String problem(String endpoint) {
    if (endpoint == null) {
      return "is required";
    }
    return problem(HttpUrl.parse(endpoint), endpoint);
  }

  /** The problem with an already parsed endpoint ({@code url} null when it did not parse), or null. */
  String problem(HttpUrl url, String endpoint) {
    if (url == null) {
      return "must be an absolute https URL: " + Redact.url(endpoint);
    }
    if (!url.isHttps() && !allowHttp) {
      return "must use https (plain http is not allowed by the endpoint policy): " + Redact.url(endpoint);
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      return "must not contain user info: " + url.scheme() + "://…@" + url.host();
    }
    String host = url.host();
    InetAddress literal = IpAddresses.literal(host);
    IpAddresses.Kind kind = literal == null ? null : IpAddresses.kind(literal);
    if (kind == IpAddresses.Kind.UNSPECIFIED) {
      return "must not be an unspecified address (0.0.0.0/8 or ::, which reach this machine): " + host;
    }
    boolean loopback = literal != null ? kind == IpAddresses.Kind.LOOPBACK : isLoopbackName(host);
    if (loopback) {
      return allowLoopback ? null : "must not be a loopback address (not allowed by the endpoint policy): " + host;
    }
    if (kind == IpAddresses.Kind.PRIVATE && !allowPrivateNetworks) {
      return "must not be a private-network address (not allowed by the endpoint policy): " + host;
    }
    if (!hostAllowed(host)) {
      return "host is not an allowed push service: " + host + " (allowed: " + String.join(", ", hosts) + ")";
    }
    return null;
  }

  private boolean hostAllowed(String host) {
    for (String pattern : hosts) {
      if (pattern.startsWith("*.")) {
        String suffix = pattern.substring(1);
        if (host.endsWith(suffix) && host.length() > suffix.length()) {
          return true;
        }
      } else if (pattern.equals(host)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isLoopbackName(String host) {
    return host.equals("localhost") || host.endsWith(".localhost");
  }

  /** Builds an {@link EndpointPolicy}. Not thread-safe. */
  public static final class Builder {
    private final Set<String> hosts = new LinkedHashSet<>();
    private boolean allowHttp;
    private boolean allowLoopback;
    private boolean allowPrivateNetworks;

    private Builder() {}

    /** Adds the {@link #KNOWN_PUSH_SERVICES}. */
    public Builder allowKnownPushServices() {
      hosts.addAll(KNOWN_PUSH_SERVICES);
      return this;
    }

    /**
     * Allows one host name ({@code push.example.net}) or every subdomain of a domain
     * ({@code *.example.net}, which does not match {@code example.net} itself). Lower case,
     * no scheme, port or path.
     *
     * @throws IllegalArgumentException when the pattern is not a host name or {@code *.domain}
     */
    public Builder allowHost(String hostPattern) {
      Objects.requireNonNull(hostPattern, "hostPattern");
      String p = hostPattern.toLowerCase(Locale.ROOT);
      if (!HOST_PATTERN.matcher(p).matches() || p.length() > 253) {
        throw new IllegalArgumentException("hostPattern must be a host name or *.domain: " + Redact.quote(hostPattern, 80));
      }
      hosts.add(p);
      return this;
    }

    /** Allows each of these hosts as {@link #allowHost(String)} does. */
    public Builder allowHosts(Iterable<String> hostPatterns) {
      Objects.requireNonNull(hostPatterns, "hostPatterns");
      List<String> checked = new ArrayList<>();
      for (String p : hostPatterns) {
        checked.add(p);
      }
      checked.forEach(this::allowHost);
      return this;
    }

    /** Allows plain {@code http} endpoints. Default false; for tests and local demos only. */
    public Builder allowHttp(boolean allow) {
      this.allowHttp = allow;
      return this;
    }

    /**
     * Allows loopback endpoints ({@code 127.0.0.0/8}, {@code ::1}, {@code localhost}) and host names
     * that resolve to them, whether or not they are in the host list. Default false; for tests and
     * local demos only.
     */
    public Builder allowLoopback(boolean allow) {
      this.allowLoopback = allow;
      return this;
    }

    /**
     * Allows allowed hosts to resolve to private, link-local or carrier-grade NAT addresses (a push
     * service inside a private network). Default false. The unspecified addresses
     * ({@code 0.0.0.0/8}, {@code ::}) stay refused: connecting to one reaches this machine.
     */
    public Builder allowPrivateNetworks(boolean allow) {
      this.allowPrivateNetworks = allow;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException when it would allow nothing at all
     */
    public EndpointPolicy build() {
      if (hosts.isEmpty() && !allowLoopback) {
        throw new IllegalStateException("endpoint policy allows no host: add allowKnownPushServices(), allowHost(...) "
            + "or, for tests, allowLoopback(true)");
      }
      return new EndpointPolicy(this);
    }
  }
}
