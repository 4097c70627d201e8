package dev.herald.spring.boot.autoconfigure;

import dev.herald.micrometer.MicrometerDeliveryListener;
import dev.herald.outbox.jdbc.JdbcHerald;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Registers herald-micrometer's {@link MicrometerDeliveryListener} (delivery counters, send timer,
 * in-flight and backlog gauges) as a listener of the auto-configured Herald when the application has
 * a {@link MeterRegistry}; {@code herald.metrics.enabled=false} turns it off.
 */
@AutoConfiguration(after = HeraldAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({MicrometerDeliveryListener.class, MeterRegistry.class, JdbcHerald.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = {"herald.enabled", "herald.metrics.enabled"}, matchIfMissing = true)
public class HeraldMetricsAutoConfiguration {

  /** For Spring. */
  public HeraldMetricsAutoConfiguration() {}

  /**
   * The listener, with a {@code herald.backlog} gauge of the due work (counted up to
   * {@code herald.metrics.backlog-limit} rows on each scrape; NaN while the database is unreachable).
   */
  @Bean
  @ConditionalOnMissingBean
  public MicrometerDeliveryListener heraldMicrometerListener(MeterRegistry registry, HeraldProperties properties,
      ObjectProvider<JdbcHerald> herald) {
    long limit = properties.getMetrics().getBacklogLimit();
    // The listener is an input of JdbcHerald, so the gauge finds Herald lazily, at scrape time.
    return MicrometerDeliveryListener.builder(registry).backlog(() -> {
      JdbcHerald h = herald.getIfAvailable();
      return h == null ? null : h.admin().backlog(limit);
    }).build();
  }
}
