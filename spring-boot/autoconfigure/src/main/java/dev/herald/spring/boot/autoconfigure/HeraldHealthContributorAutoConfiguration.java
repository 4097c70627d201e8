package dev.herald.spring.boot.autoconfigure;

import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spring.boot.actuate.HeraldHealthIndicator;
import dev.herald.spring.boot.autoconfigure.internal.HeraldLifecycle;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link HeraldHealthIndicator} as the {@code herald} health contributor when Spring Boot's
 * health support is present ({@code management.health.herald.enabled}, on by default). Its
 * thresholds are {@code herald.health.*}.
 */
@AutoConfiguration(after = HeraldAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, JdbcHerald.class})
@ConditionalOnBean(JdbcHerald.class)
@ConditionalOnEnabledHealthIndicator("herald")
public class HeraldHealthContributorAutoConfiguration {

  /** For Spring. */
  public HeraldHealthContributorAutoConfiguration() {}

  /** The {@code herald} health indicator, unless the application defines one named {@code heraldHealthIndicator}. */
  @Bean
  @ConditionalOnMissingBean(name = "heraldHealthIndicator")
  public HeraldHealthIndicator heraldHealthIndicator(JdbcHerald herald, HeraldProperties properties,
      ObjectProvider<HeraldLifecycle> lifecycle) {
    HeraldProperties.Health h = properties.getHealth();
    return new HeraldHealthIndicator(herald, () -> {
      HeraldLifecycle l = lifecycle.getIfAvailable();
      return l != null && l.isRunning();
    }, h.isOutOfServiceWhenPaused(), h.getMaxOldestDueAge(), h.getStatsTimeToLive());
  }
}
