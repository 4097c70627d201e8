package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.micrometer.MicrometerDeliveryListener;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.outbox.jdbc.OutboxStats;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delivery metrics through Micrometer: counters by channel and result, a send-latency timer, the
 * in-flight gauge and a backlog gauge fed by the store.
 */
public final class MetricsExample {
  private MetricsExample() {}

  /** Runs the example on the in-memory store and prints the meters. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Returns the registry after ten deliveries, every third one failing once. */
  static MeterRegistry run(PrintStream out) {
    MeterRegistry registry = new SimpleMeterRegistry();
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    ExampleSupport.ConsoleTransport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, null,
        d -> (n.getAndIncrement() % 3 == 0 && d.attempt() == 1) ? Outcome.retry("UNAVAILABLE", "try later") : Outcome.delivered("ok"));
    // The backlog gauge reads the outbox: notifications not yet finished (pending or in flight).
    AtomicLong open = new AtomicLong();
    MicrometerDeliveryListener metrics = MicrometerDeliveryListener.builder(registry).backlog(open::get).build();
    try (HikariDataSource db = ExampleSupport.h2("metrics");
        JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).listener(metrics).build()) {
      herald.migrate();
      for (int i = 0; i < 10; i++) {
        herald.enqueue(Notification.builder("m-" + i)
            .recipient(Recipient.device(new DeviceTarget.FcmInstallation("cMetricFid0123456789a" + i))).title("t").build());
      }
      herald.runOnce();
      OutboxStats stats = herald.admin().stats();
      open.set(stats.count(DeliveryState.PENDING) + stats.count(DeliveryState.IN_FLIGHT) + stats.awaitingExpansion());
    }
    for (Meter m : registry.getMeters()) {
      StringBuilder line = new StringBuilder(m.getId().getName());
      m.getId().getTags().forEach(t -> line.append(' ').append(t.getKey()).append('=').append(t.getValue()));
      m.measure().forEach(ms -> line.append(' ').append(ms.getStatistic().name().toLowerCase()).append('=').append(ms.getValue()));
      out.println(line);
    }
    out.println("pending after one round: " + open.get());
    return registry;
  }
}
