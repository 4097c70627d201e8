package dev.herald.spring.boot.autoconfigure.internal;

import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.spring.boot.autoconfigure.HeraldProperties;
import dev.herald.spring.boot.autoconfigure.HeraldStartupException;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.core.io.ResourceLoader;

/** Maps {@code herald.fcm.*} onto {@link FcmTransport.Builder}. */
public final class FcmSettings {
  private FcmSettings() {}

  /**
   * Builds the FCM transport from the properties, letting {@code customizer} adjust the builder last.
   *
   * @throws HeraldStartupException naming the property the builder or the service account refused
   */
  public static FcmTransport build(HeraldProperties.Fcm p, ResourceLoader loader, Consumer<FcmTransport.Builder> customizer) {
    String at = "herald.fcm.";
    if (p.getServiceAccount() == null) {
      throw new HeraldStartupException(at + "enabled is true but " + at + "service-account is not set",
          List.of(at + "service-account"), "Set " + at + "service-account to the service account JSON or its location, "
              + "or define an FcmTransport bean, or remove " + at + "enabled.", null);
    }
    FcmTransport.Builder b = FcmTransport.builder();
    Settings s = new Settings("the FCM transport");
    String json = Credentials.read(at + "service-account", p.getServiceAccount(), "{", loader);
    s.set(at + "service-account", "serviceAccount", json, j -> b.serviceAccount(ServiceAccount.fromJson(j)));
    s.set(at + "base-url", "baseUrl", p.getBaseUrl(), b::baseUrl);
    s.set(at + "token-uri", "tokenUri", p.getTokenUri(), b::tokenUri);
    s.set(at + "max-in-flight", "maxInFlight", p.getMaxInFlight(), b::maxInFlight);
    s.set(at + "validate-only", "validateOnly", p.getValidateOnly(), b::validateOnly);
    s.set(at + "request-timeout", "requestTimeout", p.getRequestTimeout(), b::requestTimeout);
    s.set(at + "http2-prior-knowledge", "http2PriorKnowledge", p.getHttp2PriorKnowledge(), b::http2PriorKnowledge);
    customizer.accept(b);
    return s.build(b::build);
  }
}
