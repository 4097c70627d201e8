package dev.herald.spring.boot.autoconfigure;

import dev.herald.Channel;
import dev.herald.RetryPolicy;
import dev.herald.fcm.FcmTransport;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.outbox.jdbc.OutboxException;
import dev.herald.outbox.jdbc.OutboxSchemaException;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.DeliveryListener;
import dev.herald.spi.Transport;
import dev.herald.spring.boot.TransactionalHerald;
import dev.herald.spring.boot.autoconfigure.internal.FcmSettings;
import dev.herald.spring.boot.autoconfigure.internal.HeraldBuilders;
import dev.herald.spring.boot.autoconfigure.internal.HeraldLifecycle;
import dev.herald.spring.boot.autoconfigure.internal.Settings;
import dev.herald.spring.boot.autoconfigure.internal.WebPushSettings;
import dev.herald.webpush.WebPushTransport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.io.ApplicationResourceLoader;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/**
 * Auto-configuration of Herald on the application's DataSource: a {@link JdbcHerald} built from the
 * {@code herald.*} properties ({@link HeraldProperties}) with every {@link Transport}, the
 * {@link DeliveryGuard}, every {@link DeliveryListener} and the {@link RetryPolicy} found in the
 * context; the FCM and Web Push transports when their credentials are configured; the outbox schema
 * migrated (or checked) at start-up; a {@link TransactionalHerald} to enqueue inside Spring-managed
 * transactions; and the engine's lifecycle. Every bean backs off when the application defines its
 * own of the same type.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
    "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration",
    "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
    "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration"})
@ConditionalOnClass(JdbcHerald.class)
@ConditionalOnBooleanProperty(name = "herald.enabled", matchIfMissing = true)
@EnableConfigurationProperties(HeraldProperties.class)
public class HeraldAutoConfiguration {
  // The operator console, once it is a module of its own, is configured beside this class under
  // herald.console.enabled.

  /** For Spring. */
  public HeraldAutoConfiguration() {}

  /** The retry policy of {@code herald.engine.retry.*}, unless the application defines one. */
  @Bean
  @ConditionalOnMissingBean
  public RetryPolicy heraldRetryPolicy(HeraldProperties properties) {
    return HeraldBuilders.retryPolicy(properties.getEngine().getRetry());
  }

  /**
   * Herald on the application's DataSource (or the one marked {@link HeraldDataSource}), its schema
   * migrated ({@code herald.outbox.migrate-on-start}, the default) or checked before any other bean
   * can use it. Not started here: {@link #heraldLifecycle} runs the engine.
   *
   * @throws HeraldStartupException when a property is refused, no transport or DataSource exists, or
   *     the database cannot be reached
   * @throws OutboxSchemaException when the schema is missing or of another version and is not migrated
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  @DependsOnDatabaseInitialization
  public JdbcHerald jdbcHerald(HeraldProperties properties, ObjectProvider<DataSource> dataSource,
      @HeraldDataSource ObjectProvider<DataSource> heraldDataSource, ObjectProvider<Transport> transports,
      ObjectProvider<DeliveryGuard> guard, ObjectProvider<DeliveryListener> listeners, RetryPolicy retryPolicy,
      ObjectProvider<JdbcHeraldBuilderCustomizer> customizers, ListableBeanFactory beanFactory) {
    JdbcHerald.Builder b = JdbcHerald.builder(dataSource(dataSource, heraldDataSource));
    Settings settings = HeraldBuilders.configure(b, properties.getOutbox(), properties.getEngine());
    List<Transport> ts = transports.orderedStream().toList();
    checkTransports(ts, beanFactory);
    ts.forEach(b::transport);
    b.retryPolicy(retryPolicy);
    guard.ifAvailable(b::guard);
    listeners.orderedStream().forEach(b::listener);
    customizers.orderedStream().forEach(c -> c.customize(b));
    JdbcHerald herald;
    try {
      herald = settings.build(b::build);
    } catch (OutboxException e) {
      throw unreachable(e);
    }
    try {
      if (properties.getOutbox().isMigrateOnStart()) {
        herald.migrate();
      } else {
        herald.outbox().verifySchema();
      }
    } catch (OutboxSchemaException e) {
      herald.close();
      throw e;
    } catch (OutboxException e) {
      herald.close();
      throw unreachable(e);
    } catch (RuntimeException e) {
      herald.close();
      throw e;
    }
    return herald;
  }

  /** Enqueue, cancel and register devices inside the current Spring-managed transaction. */
  @Bean
  @ConditionalOnMissingBean
  public TransactionalHerald transactionalHerald(JdbcHerald herald, ObjectProvider<DataSource> dataSource,
      @HeraldDataSource ObjectProvider<DataSource> heraldDataSource) {
    return new TransactionalHerald(herald, dataSource(dataSource, heraldDataSource));
  }

  /**
   * Starts the engine once the context has refreshed and stops it, gracefully, after the web server;
   * not created when {@code herald.engine.enabled} is false (an instance that only enqueues).
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBooleanProperty(name = "herald.engine.enabled", matchIfMissing = true)
  public HeraldLifecycle heraldLifecycle(JdbcHerald herald) {
    return new HeraldLifecycle(herald);
  }

  static DataSource dataSource(ObjectProvider<DataSource> dataSource, ObjectProvider<DataSource> heraldDataSource) {
    DataSource d = heraldDataSource.getIfAvailable();
    if (d == null) {
      d = dataSource.getIfAvailable();
    }
    if (d == null) {
      throw new HeraldStartupException("Herald needs a DataSource for its outbox and the application has none",
          List.of("spring.datasource.url"), "Add a JDBC driver (PostgreSQL or H2) and set spring.datasource.url, or "
              + "define a DataSource bean; or set herald.enabled=false to leave Herald out.", null);
    }
    return d;
  }

  private static void checkTransports(List<Transport> ts, ListableBeanFactory beanFactory) {
    if (ts.isEmpty()) {
      throw new HeraldStartupException("Herald has no transport: neither FCM nor Web Push is configured and the "
          + "application defines no Transport bean", List.of("herald.fcm.service-account", "herald.web-push.vapid.private-key"),
          "Set herald.fcm.service-account (FCM) or herald.web-push.vapid.private-key and herald.web-push.subject "
              + "(Web Push), or define a Transport bean; or set herald.enabled=false.", null);
    }
    Map<Channel, List<String>> byChannel = new LinkedHashMap<>();
    beanFactory.getBeansOfType(Transport.class).forEach((name, t) ->
        byChannel.computeIfAbsent(t.channel(), c -> new ArrayList<>()).add(name));
    for (Map.Entry<Channel, List<String>> e : byChannel.entrySet()) {
      if (e.getValue().size() > 1) {
        throw new HeraldStartupException("Herald found " + e.getValue().size() + " transports for channel " + e.getKey()
            + " (beans " + String.join(", ", e.getValue()) + "); it sends each channel through one",
            List.of(), "Keep one Transport bean per channel. The auto-configured FCM and Web Push transports back off "
                + "when the application defines an FcmTransport or WebPushTransport bean; for another Transport "
                + "class of the same channel, set herald.fcm.enabled=false or herald.web-push.enabled=false.", null);
      }
    }
  }

  private static HeraldStartupException unreachable(OutboxException e) {
    return new HeraldStartupException("Herald could not reach its database at start-up: " + e.getMessage(),
        List.of("spring.datasource.url"), "Check that the database is running and reachable with the configured URL "
            + "and credentials. Herald fails start-up rather than run without its outbox.", e);
  }

  /** The FCM transport from {@code herald.fcm.*}, unless the application defines an {@link FcmTransport}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(FcmTransport.class)
  @Conditional(OnTransportCondition.Fcm.class)
  static class FcmConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    FcmTransport heraldFcmTransport(HeraldProperties properties, ResourceLoader resourceLoader,
        ObjectProvider<FcmTransportBuilderCustomizer> customizers) {
      return FcmSettings.build(properties.getFcm(), ApplicationResourceLoader.get(resourceLoader, true),
          b -> customizers.orderedStream().forEach(c -> c.customize(b)));
    }
  }

  /** The Web Push transport from {@code herald.web-push.*}, unless the application defines a {@link WebPushTransport}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(WebPushTransport.class)
  @Conditional(OnTransportCondition.WebPush.class)
  static class WebPushConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    WebPushTransport heraldWebPushTransport(HeraldProperties properties, ResourceLoader resourceLoader,
        ObjectProvider<WebPushTransportBuilderCustomizer> customizers) {
      return WebPushSettings.build(properties.getWebPush(), ApplicationResourceLoader.get(resourceLoader, true),
          b -> customizers.orderedStream().forEach(c -> c.customize(b)));
    }
  }
}
