package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.RetryPolicy;
import dev.herald.micrometer.MicrometerDeliveryListener;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.Transport;
import dev.herald.spring.boot.TransactionalHerald;
import dev.herald.spring.boot.actuate.HeraldHealthIndicator;
import dev.herald.spring.boot.actuate.HeraldInfoContributor;
import dev.herald.spring.boot.autoconfigure.internal.HeraldLifecycle;
import dev.herald.testing.RecordingListener;
import dev.herald.testing.fcm.TestServiceAccount;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/** Every conditional of the auto-configuration, on H2 (the conditions do not depend on the database). */
class HeraldAutoConfigurationTest {

  @Configuration(proxyBeanMethods = false)
  static class HostTransport {
    @Bean
    HeldTransport fcmLike() {
      return new HeldTransport(false);
    }
  }

  @Test
  void hostTransportGuardAndListenerAreUsedAndTheEngineStartsWithTheContext() {
    RecordingListener listener = new RecordingListener();
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withBean(RecordingListener.class, () -> listener)
        .withBean(DeliveryGuard.class, () -> d -> d.content().title().startsWith("veto")
            ? DeliveryGuard.Verdict.veto("host said no") : DeliveryGuard.Verdict.proceed())
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(JdbcHerald.class).hasSingleBean(TransactionalHerald.class)
              .hasSingleBean(HeraldLifecycle.class).doesNotHaveBean(dev.herald.fcm.FcmTransport.class)
              .doesNotHaveBean(dev.herald.webpush.WebPushTransport.class);
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          herald.enqueue(Runners.reminder("sent"));
          herald.enqueue(dev.herald.Notification.builder("vetoed").recipient(dev.herald.Recipient.device(Runners.PHONE))
              .title("veto me").build());
          Await.until("both finished", () -> listener.events().size() == 2, () -> listener.events().toString());
          assertThat(listener.events()).containsExactlyInAnyOrder("delivered sent", "cancelled vetoed");
          assertThat(ctx.getBean(HeldTransport.class).sendsPerKey).containsOnlyKeys("sent");
        });
  }

  @Test
  void nothingWhenDisabled() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class).withPropertyValues("herald.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(JdbcHerald.class)
            .doesNotHaveBean(TransactionalHerald.class).doesNotHaveBean(HeraldLifecycle.class)
            .doesNotHaveBean(HeraldHealthIndicator.class).doesNotHaveBean(MicrometerDeliveryListener.class));
  }

  @Test
  void anInstanceThatOnlyEnqueuesHasNoEngineButAMigratedOutbox() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class).withPropertyValues("herald.engine.enabled=false")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(JdbcHerald.class).doesNotHaveBean(HeraldLifecycle.class);
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          assertThat(herald.admin().schemaVersion()).isPositive();
          herald.enqueue(Runners.reminder("waits"));
          Thread.sleep(500); // five poll intervals: a running engine would have sent it
          assertThat(herald.find("waits").orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
          assertThat(ctx.getBean(HeldTransport.class).sends()).isZero();
        });
  }

  @Test
  void transportsComeFromTheirProperties() {
    String pem = dev.herald.webpush.VapidKeys.generate().toPem();
    String account = TestServiceAccount.generate("herald-test").json("https://oauth2.googleapis.com/token");
    Runners.jdbc(Db.H2).withPropertyValues("herald.fcm.service-account=" + account,
            "herald.web-push.vapid.private-key=" + pem, "herald.web-push.subject=mailto:ops@herald.dev")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(dev.herald.fcm.FcmTransport.class)
              .hasSingleBean(dev.herald.webpush.WebPushTransport.class);
          assertThat(ctx.getBean(JdbcHerald.class).channels()).extracting(c -> c.name())
              .containsExactlyInAnyOrder("fcm", "webpush");
        });
  }

  @Test
  void aTransportWithCredentialsIsLeftOutWhenDisabled() {
    String pem = dev.herald.webpush.VapidKeys.generate().toPem();
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withPropertyValues("herald.web-push.vapid.private-key=" + pem, "herald.web-push.subject=mailto:ops@herald.dev",
            "herald.web-push.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(dev.herald.webpush.WebPushTransport.class));
  }

  @Test
  void theApplicationsOwnFcmTransportReplacesTheConfiguredOne() {
    String account = TestServiceAccount.generate("herald-test").json("https://oauth2.googleapis.com/token");
    dev.herald.fcm.FcmTransport own = dev.herald.fcm.FcmTransport.builder()
        .serviceAccount(dev.herald.fcm.ServiceAccount.fromJson(account)).build();
    Runners.jdbc(Db.H2).withBean("ownFcm", dev.herald.fcm.FcmTransport.class, () -> own)
        .withPropertyValues("herald.fcm.service-account=" + account)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(dev.herald.fcm.FcmTransport.class);
          assertThat(ctx.getBean(dev.herald.fcm.FcmTransport.class)).isSameAs(own);
        });
  }

  @Test
  void theApplicationsOwnBeansReplaceTheAutoConfiguredOnes() {
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).build();
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withBean(RetryPolicy.class, () -> policy)
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          assertThat(ctx.getBean(RetryPolicy.class)).isSameAs(policy);
          assertThat(ctx).doesNotHaveBean("heraldRetryPolicy");
        });
  }

  @Test
  void theApplicationsOwnJdbcHeraldIsUsedAndStarted() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class, OwnHerald.class).run(ctx -> {
      assertThat(ctx).hasNotFailed().hasSingleBean(JdbcHerald.class);
      JdbcHerald herald = ctx.getBean(JdbcHerald.class);
      assertThat(herald.instanceId()).isEqualTo("own-herald");
      herald.enqueue(Runners.reminder("own"));
      Await.until("delivered by the lifecycle-started engine",
          () -> herald.find("own").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false));
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnHerald {
    @Bean(destroyMethod = "close")
    JdbcHerald ownHerald(DataSource dataSource, Transport transport) {
      JdbcHerald h = JdbcHerald.builder(dataSource).transport(transport).instanceId("own-herald")
          .pollInterval(Duration.ofMillis(100)).build();
      h.migrate();
      return h;
    }
  }

  @Test
  void customizersAdjustTheBuilderLast() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withPropertyValues("herald.engine.instance-id=from-properties")
        .withBean(JdbcHeraldBuilderCustomizer.class, () -> b -> b.instanceId("from-customizer"))
        .run(ctx -> assertThat(ctx.getBean(JdbcHerald.class).instanceId()).isEqualTo("from-customizer"));
  }

  @Test
  void propertiesReachTheBuilder() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withPropertyValues("herald.engine.instance-id=pod-7", "herald.outbox.table-prefix=notif_")
        .run(ctx -> {
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          assertThat(herald.instanceId()).isEqualTo("pod-7");
          assertThat(herald.outbox().tablePrefix()).isEqualTo("notif_");
          try (Connection c = ctx.getBean(DataSource.class).getConnection();
               ResultSet rs = c.getMetaData().getTables(null, null, "notif_notification", null)) {
            assertThat(rs.next()).as("the outbox was migrated under the configured prefix").isTrue();
          }
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class TwoDataSources {
    static final String OTHER = "jdbc:h2:mem:herald_sb_other_" + System.nanoTime() + ";MODE=PostgreSQL;"
        + "DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";

    @Bean
    @Primary
    DataSource appDataSource() {
      JdbcDataSource d = new JdbcDataSource();
      d.setURL("jdbc:h2:mem:herald_sb_app_" + System.nanoTime() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
      return d;
    }

    @Bean
    @HeraldDataSource
    DataSource notificationsDataSource() {
      JdbcDataSource d = new JdbcDataSource();
      d.setURL(OTHER);
      return d;
    }
  }

  @Test
  void theDataSourceMarkedForHeraldHoldsTheOutbox() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class, TwoDataSources.class).run(ctx -> {
      assertThat(ctx).hasNotFailed();
      try (Connection app = ctx.getBean("appDataSource", DataSource.class).getConnection();
           ResultSet rs = app.getMetaData().getTables(null, null, "herald_notification", null)) {
        assertThat(rs.next()).as("no outbox in the application's primary DataSource").isFalse();
      }
      try (Connection other = ctx.getBean("notificationsDataSource", DataSource.class).getConnection();
           ResultSet rs = other.getMetaData().getTables(null, null, "herald_notification", null)) {
        assertThat(rs.next()).as("the outbox is in the @HeraldDataSource").isTrue();
      }
    });
  }

  @Test
  void metricsListenerWhenAMeterRegistryExists() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(ctx -> {
          assertThat(ctx).hasSingleBean(MicrometerDeliveryListener.class);
          MeterRegistry registry = ctx.getBean(MeterRegistry.class);
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          herald.enqueue(Runners.reminder("counted"));
          Await.until("counted as delivered", () -> registry.find("herald.deliveries").tag("result", "delivered")
              .counter() != null && registry.find("herald.deliveries").tag("result", "delivered").counter().count() == 1);
          assertThat(registry.get("herald.backlog").gauge().value()).isZero();
        });
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("herald.metrics.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean(MicrometerDeliveryListener.class));
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .run(ctx -> assertThat(ctx).doesNotHaveBean(MicrometerDeliveryListener.class));
  }

  @Test
  void actuatorContributorsUnlessDisabled() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class).run(ctx -> assertThat(ctx)
        .hasSingleBean(HeraldHealthIndicator.class).hasSingleBean(HeraldInfoContributor.class)
        .hasBean("heraldSanitizingFunction"));
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class)
        .withPropertyValues("management.health.herald.enabled=false", "management.info.herald.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(HeraldHealthIndicator.class)
            .doesNotHaveBean(HeraldInfoContributor.class));
  }

  @Test
  void credentialsAreMaskedInTheActuatorWhateverTheSpelling() {
    Runners.jdbc(Db.H2).withUserConfiguration(HostTransport.class).run(ctx -> {
      SanitizingFunction f = ctx.getBean("heraldSanitizingFunction", SanitizingFunction.class);
      for (String key : new String[] {"herald.fcm.service-account", "HERALD_FCM_SERVICEACCOUNT", "serviceAccount",
          "herald.web-push.vapid.private-key", "HERALD_WEBPUSH_VAPID_PRIVATEKEY", "privateKey"}) {
        assertThat(f.apply(new SanitizableData(null, key, "secret")).getValue()).as(key)
            .isEqualTo(SanitizableData.SANITIZED_VALUE);
      }
      assertThat(f.apply(new SanitizableData(null, "herald.web-push.subject", "mailto:ops@herald.dev")).getValue())
          .isEqualTo("mailto:ops@herald.dev");
    });
  }
}
