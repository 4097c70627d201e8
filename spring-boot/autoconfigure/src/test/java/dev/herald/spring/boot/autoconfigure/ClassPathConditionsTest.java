package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.fcm.FcmTransport;
import dev.herald.micrometer.MicrometerDeliveryListener;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.DeliveryListener;
import dev.herald.spring.boot.TransactionalHerald;
import dev.herald.spring.boot.actuate.HeraldHealthIndicator;
import dev.herald.spring.boot.actuate.HeraldInfoContributor;
import dev.herald.spring.boot.autoconfigure.internal.HeraldLifecycle;
import dev.herald.testing.fcm.TestServiceAccount;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;

/**
 * The optional parts back off when their library is missing (a host that left out a transport, the
 * metrics or the actuator), and the rest of the auto-configured beans give way to the application's own.
 */
class ClassPathConditionsTest {

  @Test
  void withoutTheWebPushTransportItsPropertiesAreIgnoredAndFcmStillWorks() {
    String account = TestServiceAccount.generate("herald-test").json("https://oauth2.googleapis.com/token");
    Runners.jdbc(Db.H2).withClassLoader(new FilteredClassLoader(WebPushTransport.class))
        .withPropertyValues("herald.fcm.service-account=" + account,
            "herald.web-push.vapid.private-key=" + VapidKeys.generate().toPem(), "herald.web-push.subject=mailto:ops@herald.dev")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(FcmTransport.class).doesNotHaveBean("heraldWebPushTransport");
          assertThat(ctx.getBean(HeraldInfoContributor.class)).isNotNull();
        });
  }

  @Test
  void withoutTheFcmTransportItsPropertiesAreIgnored() {
    Runners.jdbc(Db.H2).withClassLoader(new FilteredClassLoader(FcmTransport.class))
        .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withPropertyValues("herald.fcm.service-account=file:/nonexistent/firebase.json")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("heraldFcmTransport").hasSingleBean(JdbcHerald.class));
  }

  @Test
  void withoutHeraldMicrometerNoListenerEvenWithARegistry() {
    Runners.jdbc(Db.H2).withClassLoader(new FilteredClassLoader(MicrometerDeliveryListener.class))
        .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("heraldMicrometerListener"));
  }

  @Test
  void withoutTheActuatorNoHealthOrInfo() {
    Runners.jdbc(Db.H2).withClassLoader(new FilteredClassLoader(HealthIndicator.class, InfoContributor.class))
        .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("heraldHealthIndicator")
            .doesNotHaveBean("heraldInfoContributor").doesNotHaveBean("heraldSanitizingFunction")
            .hasSingleBean(JdbcHerald.class));
  }

  @Test
  void theApplicationsOwnBeansReplaceEveryOtherAutoConfiguredOne() {
    VapidKeys keys = VapidKeys.generate();
    WebPushTransport own = WebPushTransport.builder().vapidKeys(keys).subject("mailto:ops@herald.dev").build();
    MicrometerDeliveryListener ownListener = MicrometerDeliveryListener.of(new SimpleMeterRegistry());
    Runners.jdbc(Db.H2)
        .withBean("ownWebPush", WebPushTransport.class, () -> own)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean("ownListener", MicrometerDeliveryListener.class, () -> ownListener)
        .withBean("heraldHealthIndicator", HealthIndicator.class, () -> () -> org.springframework.boot.health.contributor.Health.up().build())
        .withBean("heraldInfoContributor", InfoContributor.class, () -> b -> {})
        .withPropertyValues("herald.web-push.vapid.private-key=" + VapidKeys.generate().toPem(),
            "herald.web-push.subject=mailto:ops@herald.dev")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx.getBean(WebPushTransport.class)).isSameAs(own);
          assertThat(ctx.getBean(MicrometerDeliveryListener.class)).isSameAs(ownListener);
          assertThat(ctx).doesNotHaveBean(HeraldHealthIndicator.class).doesNotHaveBean(HeraldInfoContributor.class);
          assertThat(ctx.getBeansOfType(DeliveryListener.class)).containsOnlyKeys("ownListener");
        });
  }

  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class OwnTransactional {
    static TransactionalHerald made;

    @org.springframework.context.annotation.Bean
    TransactionalHerald ownTransactional(JdbcHerald herald, javax.sql.DataSource dataSource) {
      made = new TransactionalHerald(herald, dataSource);
      return made;
    }
  }

  @Test
  void theApplicationsOwnTransactionalHeraldIsKept() {
    Runners.jdbc(Db.H2).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class, OwnTransactional.class)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(TransactionalHerald.class).hasSingleBean(HeraldLifecycle.class);
          assertThat(ctx.getBean(TransactionalHerald.class)).isSameAs(OwnTransactional.made);
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          herald.enqueue(Runners.reminder("k"));
          Await.until("delivered", () -> herald.find("k").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false));
        });
  }

  @Test
  void aCredentialInTheEnvironmentSpelledAsAnEnvironmentVariableCounts() {
    String account = TestServiceAccount.generate("herald-test").json("https://oauth2.googleapis.com/token");
    // Spring Boot maps a property source of this kind, and this name, as it maps the process environment.
    Runners.jdbc(Db.H2).withInitializer(c -> c.getEnvironment().getPropertySources().addFirst(
            new org.springframework.core.env.SystemEnvironmentPropertySource("test-systemEnvironment",
                java.util.Map.of("HERALD_FCM_SERVICEACCOUNT", account))))
        .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(FcmTransport.class));
  }
}
