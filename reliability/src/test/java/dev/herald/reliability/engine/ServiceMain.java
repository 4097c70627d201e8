package dev.herald.reliability.engine;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.kafka.Action;
import dev.herald.kafka.EventMapper;
import dev.herald.kafka.KafkaIngestion;
import dev.herald.kafka.PoisonHandling;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.reliability.support.Waits;
import dev.herald.webpush.VapidKeys;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

/**
 * A whole notification service as its own JVM: Kafka ingestion of schedule events into the
 * PostgreSQL outbox, and a Herald engine sending to the fake push services, as one application
 * instance runs them. The Kafka crash loop kills it with SIGKILL.
 *
 * <p>Reads what {@link EngineMain} reads, plus {@code bootstrapServers}, {@code topic} and
 * {@code group}. Events are {@code "created <schedule> <member>"}; each becomes the reminder
 * {@code schedule-<schedule>:starts} for the member.
 */
public final class ServiceMain {
  private ServiceMain() {}

  /** The mapper of the crash loop's events. */
  public static EventMapper<String, String> mapper() {
    return e -> {
      String[] f = e.value().split(" ");
      if (!f[0].equals("created")) {
        throw new IllegalArgumentException("unknown event type: " + f[0]);
      }
      return List.of(Action.enqueue(Stacks.note("schedule-" + f[1] + ":starts", f[2])));
    };
  }

  /** Runs until killed. */
  public static void main(String[] args) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    String id = p.getProperty("instanceId");
    HikariDataSource ds = new HikariDataSource(TestPostgres.poolConfig(p.getProperty("url"), id, 8));
    VapidKeys keys = VapidKeys.fromPem(Files.readString(Path.of(p.getProperty("vapidPem"))));
    Duration timeout = Duration.ofSeconds(10);
    JdbcHerald herald = Stacks.herald(ds, id)
        .lease(Duration.ofMillis(Long.parseLong(p.getProperty("leaseMillis", "15000"))))
        .transport(Stacks.webPush(keys, timeout, 32))
        .transport(Stacks.fcm(Files.readString(Path.of(p.getProperty("serviceAccount"))), p.getProperty("fcmBaseUrl"),
            timeout, 32))
        .build();
    Waits.retrying(Duration.ofSeconds(120), "verify the outbox schema", () -> {
      herald.outbox().verifySchema();
      return null;
    });
    KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(p.getProperty("bootstrapServers"))
        .groupId(p.getProperty("group")).topics(p.getProperty("topic")).herald(herald).mapper(mapper())
        .onPoison(PoisonHandling.retry()).batchSize(100).pollTimeout(Duration.ofMillis(200))
        // A killed instance's partitions move on after the session timeout, not the default 45 s.
        .consumerProperty("session.timeout.ms", 6_000).consumerProperty("heartbeat.interval.ms", 1_000)
        .consumerProperty("client.id", id)
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      ingestion.close();
      herald.close();
      ds.close();
    }, "service-shutdown"));
    herald.start();
    ingestion.start();
    Files.writeString(Path.of(p.getProperty("readyFile")), Instant.now().toString(), StandardCharsets.UTF_8);
    while (true) {
      Waits.sleep(60_000);
    }
  }
}
