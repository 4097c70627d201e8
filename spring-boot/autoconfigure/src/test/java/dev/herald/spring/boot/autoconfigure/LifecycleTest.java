package dev.herald.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeliveryState;
import dev.herald.NotificationStatus;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The engine runs with the application context: started once it has refreshed, stopped with it,
 * in-flight sends finished within the shutdown timeout or released to another instance, and the
 * instances of one service on one database share the work. Close is bounded even when the database
 * is gone or the context failed half-way, and nothing is lost.
 */
class LifecycleTest {
  /** Generous: it proves close is bounded, it does not measure how fast. */
  private static final Duration BOUND = Duration.ofSeconds(60);

  @Configuration(proxyBeanMethods = false)
  static class Holding {
    /** The last one made: a context that failed to start hands out no beans. */
    static final AtomicReference<HeldTransport> LAST = new AtomicReference<>();

    @Bean
    HeldTransport holding() {
      HeldTransport t = new HeldTransport(true);
      LAST.set(t);
      return t;
    }
  }

  /** Herald on {@code url} with a transport that delivers at once, not started: to look and to send. */
  private static JdbcHerald instance(String url) {
    JdbcHerald h = JdbcHerald.builder(Runners.plain(url)).transport(new HeldTransport(false))
        .pollInterval(Duration.ofMillis(100)).build();
    h.migrate();
    return h;
  }

  private static DeliveryState state(JdbcHerald h, String key) {
    return h.find(key).map(NotificationStatus::state).orElseThrow();
  }

  private static Duration timed(Runnable r) {
    long t = System.nanoTime();
    r.run();
    return Duration.ofNanos(System.nanoTime() - t);
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void shutdownReleasesSendsStillInFlightAndAnotherInstanceSendsThemAtOnce(Db db) {
    String url = db.fresh();
    List<String> keys = IntStream.range(0, 5).mapToObj(i -> "held-" + i).toList();
    // A ten-minute lease: only the release at shutdown lets another instance take them within the test.
    Runners.on(url).withUserConfiguration(Holding.class)
        .withPropertyValues("herald.engine.lease=10m", "herald.engine.shutdown-timeout=1s").run(ctx -> {
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          HeldTransport transport = ctx.getBean(HeldTransport.class);
          keys.forEach(k -> herald.enqueue(Runners.reminder(k)));
          Await.until("all five in flight", () -> transport.inFlight() == 5);
          assertThat(timed(ctx::close)).isLessThan(BOUND);
          assertThat(transport.closed).isTrue();
        });
    try (JdbcHerald other = instance(url)) {
      keys.forEach(k -> assertThat(state(other, k)).as(k).isEqualTo(DeliveryState.PENDING));
      assertThat(other.find("held-0").orElseThrow().deliveries().get(0).attempts())
          .as("a release does not spend an attempt").isZero();
      other.start();
      Await.until("sent by the other instance",
          () -> keys.stream().allMatch(k -> state(other, k) == DeliveryState.DELIVERED));
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void sendsThatFinishWithinTheShutdownTimeoutAreRecorded(Db db) {
    String url = db.fresh();
    Runners.on(url).withUserConfiguration(Holding.class).withPropertyValues("herald.engine.shutdown-timeout=30s")
        .run(ctx -> {
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          HeldTransport transport = ctx.getBean(HeldTransport.class);
          List.of("a", "b", "c").forEach(k -> herald.enqueue(Runners.reminder(k)));
          Await.until("three in flight", () -> transport.inFlight() == 3);
          CompletableFuture<Void> closing = CompletableFuture.runAsync(ctx::close);
          Thread.sleep(300);
          assertThat(closing).as("close waits for the sends in flight").isNotDone();
          transport.releaseAll();
          closing.get();
        });
    try (JdbcHerald other = instance(url)) {
      List.of("a", "b", "c").forEach(k -> assertThat(state(other, k)).as(k).isEqualTo(DeliveryState.DELIVERED));
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void instancesOfOneServiceShareTheWorkAndSendEachOnce(Db db) {
    String url = db.fresh();
    List<String> keys = IntStream.range(0, 40).mapToObj(i -> "shared-" + i).toList();
    Runners.on(url).withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
        .withPropertyValues("herald.engine.instance-id=pod-a").run(a -> Runners.on(url)
            .withUserConfiguration(HeraldAutoConfigurationTest.HostTransport.class)
            .withPropertyValues("herald.engine.instance-id=pod-b").run(b -> {
              JdbcHerald herald = a.getBean(JdbcHerald.class);
              keys.forEach(k -> herald.enqueue(Runners.reminder(k)));
              Await.until("all delivered",
                  () -> keys.stream().allMatch(k -> state(herald, k) == DeliveryState.DELIVERED));
              HeldTransport ta = a.getBean(HeldTransport.class);
              HeldTransport tb = b.getBean(HeldTransport.class);
              for (String k : keys) {
                assertThat(ta.sendsPerKey.getOrDefault(k, 0) + tb.sendsPerKey.getOrDefault(k, 0)).as(k).isEqualTo(1);
              }
            }));
  }

  /** A part of the host that fails to start after Herald's engine has started and taken work. */
  @Configuration(proxyBeanMethods = false)
  static class FailsAfterHerald {
    @Bean
    SmartLifecycle failing(JdbcHerald herald, HeldTransport transport) {
      return new SmartLifecycle() {
        @Override
        public void start() {
          herald.enqueue(Runners.reminder("taken-1"));
          herald.enqueue(Runners.reminder("taken-2"));
          Await.until("both in flight", () -> transport.inFlight() == 2);
          throw new IllegalStateException("the message broker is unreachable");
        }

        @Override
        public void stop() {}

        @Override
        public boolean isRunning() {
          return false;
        }
      };
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aContextThatFailsHalfWayStopsTheEngineAndLosesNothing(Db db) {
    String url = db.fresh();
    long[] took = new long[1];
    long t = System.nanoTime();
    Runners.on(url).withUserConfiguration(Holding.class, FailsAfterHerald.class)
        .withPropertyValues("herald.engine.lease=10m", "herald.engine.shutdown-timeout=1s").run(ctx -> {
          took[0] = System.nanoTime() - t;
          assertThat(ctx).hasFailed();
          assertThat(ctx.getStartupFailure()).rootCause().hasMessage("the message broker is unreachable");
          assertThat(Holding.LAST.get().closed).as("Herald was closed with the context").isTrue();
        });
    assertThat(Duration.ofNanos(took[0])).isLessThan(BOUND);
    try (JdbcHerald other = instance(url)) {
      other.start();
      Await.until("the released work sent by another instance", () -> state(other, "taken-1") == DeliveryState.DELIVERED
          && state(other, "taken-2") == DeliveryState.DELIVERED);
    }
  }

  /** The application's DataSource, with a switch that makes the database unreachable. */
  @Configuration(proxyBeanMethods = false)
  static class Switchable {
    static final AtomicBoolean DOWN = new AtomicBoolean();

    @Bean
    DataSource dataSource(org.springframework.core.env.Environment env) {
      return new DelegatingDataSource(Runners.plain(env.getRequiredProperty("spring.datasource.url"))) {
        @Override
        public Connection getConnection() throws SQLException {
          if (DOWN.get()) {
            throw new SQLException("the database is gone", "08001");
          }
          return super.getConnection();
        }
      };
    }
  }

  @ParameterizedTest
  @EnumSource(Db.class)
  void aDatabaseGoneAtShutdownStillGivesABoundedCloseAndNothingIsLost(Db db) {
    String url = db.fresh();
    Switchable.DOWN.set(false);
    Runners.on(url).withUserConfiguration(Holding.class, Switchable.class)
        .withPropertyValues("herald.engine.lease=3s", "herald.engine.shutdown-timeout=1s",
            "spring.lifecycle.timeout-per-shutdown-phase=5s").run(ctx -> {
          JdbcHerald herald = ctx.getBean(JdbcHerald.class);
          HeldTransport transport = ctx.getBean(HeldTransport.class);
          List.of("x", "y").forEach(k -> herald.enqueue(Runners.reminder(k)));
          Await.until("two in flight", () -> transport.inFlight() == 2);
          Switchable.DOWN.set(true);
          assertThat(timed(ctx::close)).isLessThan(BOUND);
        });
    Switchable.DOWN.set(false);
    try (JdbcHerald other = instance(url)) {
      other.start(); // the dead instance's leases end after 3 s; then these are claimed again
      Await.until("sent once the leases ended",
          () -> state(other, "x") == DeliveryState.DELIVERED && state(other, "y") == DeliveryState.DELIVERED);
    }
  }
}
