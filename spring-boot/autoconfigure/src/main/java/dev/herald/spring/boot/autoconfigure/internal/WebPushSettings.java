package dev.herald.spring.boot.autoconfigure.internal;

import dev.herald.spring.boot.autoconfigure.HeraldProperties;
import dev.herald.spring.boot.autoconfigure.HeraldStartupException;
import dev.herald.webpush.EndpointPolicy;
import dev.herald.webpush.Padding;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.core.io.ResourceLoader;

/** Maps {@code herald.web-push.*} onto {@link WebPushTransport.Builder}. */
public final class WebPushSettings {
  private WebPushSettings() {}

  /**
   * Builds the Web Push transport from the properties, letting {@code customizer} adjust the builder last.
   *
   * @throws HeraldStartupException naming the property the builder or the key parser refused
   */
  public static WebPushTransport build(HeraldProperties.WebPush p, ResourceLoader loader,
      Consumer<WebPushTransport.Builder> customizer) {
    String at = "herald.web-push.";
    if (p.getVapid().getPrivateKey() == null) {
      throw new HeraldStartupException(at + "enabled is true but " + at + "vapid.private-key is not set",
          List.of(at + "vapid.private-key"), "Set " + at + "vapid.private-key to the VAPID private key PEM or its "
              + "location, or define a WebPushTransport bean, or remove " + at + "enabled.", null);
    }
    WebPushTransport.Builder b = WebPushTransport.builder();
    Settings s = new Settings("the Web Push transport");
    String pem = Credentials.read(at + "vapid.private-key", p.getVapid().getPrivateKey(), "-----BEGIN", loader);
    s.set(at + "vapid.private-key", "vapidKeys", pem, k -> b.vapidKeys(VapidKeys.fromPem(k)));
    s.set(at + "subject", "subject", p.getSubject(), b::subject);

    HeraldProperties.EndpointPolicy ep = p.getEndpointPolicy();
    EndpointPolicy.Builder policy = EndpointPolicy.builder();
    Settings ps = new Settings("the Web Push endpoint policy");
    String pat = at + "endpoint-policy.";
    if (ep.isKnownPushServices()) {
      policy.allowKnownPushServices();
    }
    ps.names(pat + "known-push-services", "allowKnownPushServices");
    ps.names(pat + "allowed-hosts", "allowHost");
    ps.set(pat + "allowed-hosts", "hostPattern", ep.getAllowedHosts(), policy::allowHosts);
    ps.set(pat + "allow-http", "allowHttp", ep.isAllowHttp(), policy::allowHttp);
    ps.set(pat + "allow-loopback", "allowLoopback", ep.isAllowLoopback(), policy::allowLoopback);
    ps.set(pat + "allow-private-networks", "allowPrivateNetworks", ep.isAllowPrivateNetworks(), policy::allowPrivateNetworks);
    EndpointPolicy built = ps.build(policy::build);
    b.endpointPolicy(built);

    if (!p.getPadding().isEmpty()) {
      int[] sizes = p.getPadding().stream().mapToInt(Integer::intValue).toArray();
      s.set(at + "padding", "padding", sizes, x -> b.padding(Padding.toBuckets(x)));
    }
    s.set(at + "max-in-flight", "maxInFlight", p.getMaxInFlight(), b::maxInFlight);
    s.set(at + "connect-timeout", "connectTimeout", p.getConnectTimeout(), b::connectTimeout);
    s.set(at + "call-timeout", "callTimeout", p.getCallTimeout(), b::callTimeout);
    s.set(at + "vapid-token-lifetime", "vapidTokenLifetime", p.getVapidTokenLifetime(), b::vapidTokenLifetime);
    customizer.accept(b);
    return s.build(b::build);
  }
}
