package dev.herald.benchmarks.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Notification;
import dev.herald.kafka.Action;
import dev.herald.kafka.EventMapper;
import dev.herald.kafka.KafkaIngestion;
import dev.herald.kafka.PoisonHandling;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.outbox.jdbc.JdbcOutbox;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Events per second from a Kafka topic into the PostgreSQL outbox through {@link KafkaIngestion}
 * (one transaction per batch, offsets committed after it), beside the outbox's own batch enqueue
 * rate for the same notifications. A real single-node broker runs in a child JVM on this machine.
 *
 * <p>The topic is filled first ({@code --events}, {@code --partitions}); then, for each number of
 * consumers and batch size, a fresh consumer group and fresh outbox tables consume all of it, timed
 * from start until the last record's transaction committed (counted by the ingestion's stats).
 * {@code --url} selects the database (default: the project's {@code scripts/pg} server).
 */
public final class KafkaIngestionThroughput {
  private KafkaIngestionThroughput() {}

  /** Runs the benchmark. */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchSupport.args(args);
    int events = Integer.parseInt(a.getOrDefault("events", "100000"));
    int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
    String[] consumerCounts = a.getOrDefault("consumers", "1,2").split(",");
    String[] batches = a.getOrDefault("batches", "100,500").split(",");
    String url = BenchSupport.url(a);
    System.out.println("machine: " + BenchSupport.machine() + "; events " + events + ", partitions " + partitions);
    try (KafkaBroker broker = KafkaBroker.start("1g"); HikariDataSource ds = BenchSupport.pool(url, 8)) {
      String topic = "bench-events";
      broker.createTopic(topic, partitions);
      long fill = produce(broker, topic, events);
      System.out.printf(Locale.ROOT, "produced %d events in %.1f s (%.0f/s)%n", events, fill / 1e9, events / (fill / 1e9));
      for (String b : batches) {
        int batch = Integer.parseInt(b.trim());
        for (String c : consumerCounts) {
          int consumers = Integer.parseInt(c.trim());
          double rate = ingest(broker, ds, topic, events, consumers, batch);
          System.out.printf(Locale.ROOT, "ingestion: consumers %d, batch %d: %.0f events/s%n", consumers, batch, rate);
        }
        String prefix = BenchSupport.newPrefix();
        try {
          JdbcOutbox outbox = BenchSupport.outbox(ds, prefix, false);
          outbox.migrate();
          long t = BenchSupport.prefill(outbox, "direct-", events, batch, 1);
          System.out.printf(Locale.ROOT, "outbox enqueueAll alone: 1 thread, batch %d: %.0f notifications/s%n", batch,
              events / (t / 1e9));
          outbox.close();
        } finally {
          BenchSupport.drop(ds, prefix);
        }
      }
    }
  }

  private static long produce(KafkaBroker broker, String topic, int events) throws Exception {
    long start = System.nanoTime();
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 10,
        ProducerConfig.BATCH_SIZE_CONFIG, 65_536), new StringSerializer(), new StringSerializer())) {
      List<Future<?>> acks = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, "schedule-" + i, "created " + i + " member-" + (i % 1000));
        r.headers().add("event-id", ("ev-" + i).getBytes(StandardCharsets.UTF_8));
        acks.add(p.send(r));
      }
      for (Future<?> f : acks) {
        f.get(120, TimeUnit.SECONDS);
      }
    }
    return System.nanoTime() - start;
  }

  private static double ingest(KafkaBroker broker, HikariDataSource ds, String topic, int events, int consumers, int batch)
      throws Exception {
    String prefix = BenchSupport.newPrefix();
    JdbcHerald herald = JdbcHerald.builder(ds).tablePrefix(prefix).listenNotify(false).purgeInterval(Duration.ZERO)
        .transport(new BenchSupport.NoOpTransport()).build();
    herald.migrate();
    EventMapper<String, String> mapper = e -> {
      Notification n = BenchSupport.notification(e.idempotencyKey("starts"));
      return List.of(Action.enqueue(n));
    };
    try (KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers())
        .groupId("bench-" + prefix).topics(topic).herald(herald).mapper(mapper).onPoison(PoisonHandling.retry())
        .batchSize(batch).consumers(consumers).maxBacklog(10_000_000).build()) {
      long start = System.nanoTime();
      ingestion.start();
      while (ingestion.stats().records() < events) {
        Thread.sleep(5);
      }
      long took = System.nanoTime() - start;
      return events / (took / 1e9);
    } finally {
      herald.close();
      BenchSupport.drop(ds, prefix);
    }
  }
}
