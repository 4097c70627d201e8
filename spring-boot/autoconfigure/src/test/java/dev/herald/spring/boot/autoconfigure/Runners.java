package dev.herald.spring.boot.autoconfigure;

import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;

/** Application contexts as a Spring Boot service with the starter would have them. */
final class Runners {
  static final DeviceTarget PHONE = new DeviceTarget.FcmInstallation("cPh0neFid_Test-0123456");

  private Runners() {}

  /** JDBC, transactions and every Herald auto-configuration, on a new database of {@code db}. */
  static ApplicationContextRunner jdbc(Db db) {
    return on(db.fresh());
  }

  /** The same on the database at {@code url}: contexts on one URL are instances of one service. */
  static ApplicationContextRunner on(String url) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LifecycleAutoConfiguration.class, DataSourceAutoConfiguration.class,
            DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
            JdbcTemplateAutoConfiguration.class, HeraldAutoConfiguration.class,
            HeraldHealthContributorAutoConfiguration.class, HeraldActuatorAutoConfiguration.class,
            HeraldMetricsAutoConfiguration.class))
        .withPropertyValues("spring.datasource.url=" + url, "spring.datasource.hikari.maximum-pool-size=8",
            "herald.engine.poll-interval=100ms", "herald.engine.shutdown-timeout=2s");
  }

  /** A DataSource without a pool on {@code url}, as Spring Boot connects (to an embedded H2 as "sa"). */
  static javax.sql.DataSource plain(String url) {
    return url.startsWith("jdbc:h2:") ? new org.springframework.jdbc.datasource.DriverManagerDataSource(url, "sa", "")
        : new org.springframework.jdbc.datasource.DriverManagerDataSource(url);
  }

  /** A reminder for the test phone, due now. */
  static Notification reminder(String key) {
    return Notification.builder(key).recipient(Recipient.device(PHONE)).title("Your schedule starts now").build();
  }
}
