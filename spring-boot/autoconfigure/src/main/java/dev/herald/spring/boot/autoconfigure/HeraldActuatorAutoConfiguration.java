package dev.herald.spring.boot.autoconfigure;

import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.Transport;
import dev.herald.spring.boot.actuate.HeraldInfoContributor;
import dev.herald.spring.boot.autoconfigure.internal.HeraldLifecycle;
import dev.herald.webpush.WebPushTransport;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * Herald in the actuator's endpoints: the {@code herald} info contributor
 * ({@code management.info.herald.enabled}), and a sanitizing function that masks Herald's
 * credentials ({@code herald.fcm.service-account}, {@code herald.web-push.vapid.private-key}, in any
 * spelling, also as environment variables) in the {@code env} and {@code configprops} endpoints even
 * where those show values.
 */
@AutoConfiguration(after = HeraldAutoConfiguration.class)
@ConditionalOnClass({InfoContributor.class, JdbcHerald.class})
public class HeraldActuatorAutoConfiguration {

  /** For Spring. */
  public HeraldActuatorAutoConfiguration() {}

  /** Masks Herald's credentials wherever the actuator shows configuration. */
  @Bean
  @ConditionalOnMissingBean(name = "heraldSanitizingFunction")
  public SanitizingFunction heraldSanitizingFunction() {
    return HeraldActuatorAutoConfiguration::sanitize;
  }

  static SanitizableData sanitize(SanitizableData data) {
    String k = data.getKey() == null ? "" : data.getKey().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    // configprops shows the field name alone, env the full property or environment variable name.
    return k.endsWith("serviceaccount") || k.endsWith("privatekey") ? data.withSanitizedValue() : data;
  }

  /** The {@code herald} info contributor. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBean(JdbcHerald.class)
  @ConditionalOnEnabledInfoContributor("herald")
  static class Info {
    @Bean
    @ConditionalOnMissingBean(name = "heraldInfoContributor")
    HeraldInfoContributor heraldInfoContributor(JdbcHerald herald, ObjectProvider<HeraldLifecycle> lifecycle,
        ObjectProvider<Transport> transports) {
      return new HeraldInfoContributor(herald, () -> {
        HeraldLifecycle l = lifecycle.getIfAvailable();
        return l != null && l.isRunning();
      }, ClassUtils.isPresent("dev.herald.webpush.WebPushTransport", Info.class.getClassLoader())
          ? VapidPublicKey.of(transports) : null);
    }
  }

  /** Loaded only when herald-transport-webpush, an optional dependency, is present. */
  static final class VapidPublicKey {
    private VapidPublicKey() {}

    static String of(ObjectProvider<Transport> transports) {
      return transports.orderedStream().filter(t -> t instanceof WebPushTransport).findFirst()
          .map(t -> ((WebPushTransport) t).vapidKeys().publicKeyBase64Url()).orElse(null);
    }
  }
}
