package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.Outcome;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spring.boot.actuate.HeraldHealthIndicator;
import dev.herald.spring.boot.actuate.HeraldInfoContributor;
import dev.herald.testing.ScriptedTransport;
import dev.herald.webpush.VapidKeys;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/** The {@code herald} health indicator and info contributor, on H2 and PostgreSQL. */
class ActuatorTest {

  @SuppressWarnings("unchecked")
  private static Map<String, Object> channel(Health h, String name) {
    return (Map<String, Object>) ((Map<String, Object>) h.getDetails().get("channels")).get(name);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void upWithTheStateOfEachChannel(Db db) {
    Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withPropertyValues("herald.health.stats-time-to-live=0s").run(ctx -> {
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          herald.enqueue(Runners.reminder("one"));
          Await.until("delivered", () -> herald.find("one").map(s -> s.state() == DeliveryState.DELIVERED).orElse(false));
          Health h = ctx.getBean(HeraldHealthIndicator.class).health();
          assertThat(h.getStatus()).isEqualTo(Status.UP);
          assertThat(h.getDetails()).containsEntry("engine", "running").containsEntry("instanceId", herald.instanceId())
              .containsEntry("database", db.name());
          assertThat(channel(h, "fcm")).containsEntry("paused", false).containsEntry("pending", 0L)
              .containsEntry("dead", 0L);
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class RefusedCredentials {
    @Bean
    ScriptedTransport refusing() {
      return new ScriptedTransport(Channel.FCM).always(Outcome.channelUnavailable("401", "credentials refused"));
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aPausedChannelIsReportedAndCanMeanOutOfService(Db db) {
    String url = db.fresh();
    Runners.on(url).withUserConfiguration(RefusedCredentials.class).run(ctx -> {
      JdbcHerald herald = ctx.getBean(JdbcHerald.class);
      herald.enqueue(Runners.reminder("paused"));
      Await.until("the channel paused", () -> herald.paused(Channel.FCM));
      Health h = ctx.getBean(HeraldHealthIndicator.class).health();
      assertThat(h.getStatus()).isEqualTo(Status.UP);
      assertThat(channel(h, "fcm")).containsEntry("paused", true);
    });
    Runners.on(url).withUserConfiguration(RefusedCredentials.class)
        .withPropertyValues("herald.health.out-of-service-when-paused=true").run(ctx -> {
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          Await.until("the channel paused", () -> herald.paused(Channel.FCM));
          Health h = ctx.getBean(HeraldHealthIndicator.class).health();
          assertThat(h.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
          assertThat((String) h.getDetails().get("reason")).contains("paused");
        });
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aDueDeliveryWaitingTooLongMeansOutOfService(Db db) {
    Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withPropertyValues("herald.engine.enabled=false", "herald.health.max-oldest-due-age=200ms",
            "herald.health.stats-time-to-live=0s").run(ctx -> {
          HeraldHealthIndicator indicator = ctx.getBean(HeraldHealthIndicator.class);
          assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
          ctx.getBean(JdbcHerald.class).enqueue(Runners.reminder("waiting"));
          Await.until("out of service", () -> indicator.health().getStatus().equals(Status.OUT_OF_SERVICE));
          Health h = indicator.health();
          assertThat(h.getDetails()).containsEntry("engine", "not running");
          assertThat((String) h.getDetails().get("reason")).contains("has waited");
        });
  }

  /** The application's DataSource, with a switch that makes the database unreachable. */
  @Configuration(proxyBeanMethods = false)
  static class Switchable {
    final AtomicBoolean down = new AtomicBoolean();

    @Bean
    DataSource dataSource(Environment env) {
      return new DelegatingDataSource(Runners.plain(env.getRequiredProperty("spring.datasource.url"))) {
        @Override
        public Connection getConnection() throws SQLException {
          if (down.get()) {
            throw new SQLException("the database is gone", "08001");
          }
          return super.getConnection();
        }
      };
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void downWhileTheDatabaseIsUnreachable(Db db) {
    Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class, Switchable.class)
        .run(ctx -> {
          HeraldHealthIndicator indicator = ctx.getBean(HeraldHealthIndicator.class);
          assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
          ctx.getBean(Switchable.class).down.set(true);
          assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
          ctx.getBean(Switchable.class).down.set(false);
          assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        });
  }

  @SuppressWarnings("unchecked")
  @ParameterizedTest
  @EnumSource(Db.class)
  void infoShowsTheSetUpAndThePublicVapidKeyButNoSecret(Db db) {
    VapidKeys keys = VapidKeys.generate();
    Runners.jdbc(db).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withPropertyValues("herald.web-push.vapid.private-key=" + keys.toPem(),
            "herald.web-push.subject=mailto:ops@herald.dev", "herald.engine.instance-id=pod-9").run(ctx -> {
          Info.Builder b = new Info.Builder();
          ctx.getBean(HeraldInfoContributor.class).contribute(b);
          Map<String, Object> info = (Map<String, Object>) b.build().getDetails().get("herald");
          assertThat(info).containsEntry("instanceId", "pod-9").containsEntry("database", db.name())
              .containsEntry("tablePrefix", "herald_").containsEntry("engine", "running")
              .containsEntry("channels", java.util.List.of("fcm", "webpush"))
              .containsEntry("schemaVersion", ctx.getBean(JdbcHerald.class).admin().schemaVersion())
              .containsEntry("webPush", Map.of("vapidPublicKey", keys.publicKeyBase64Url()));
          assertThat(info.toString()).doesNotContain(keys.privateKeyBase64Url());
        });
  }
}
