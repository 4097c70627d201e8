package dev.herald.reliability.engine;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.reliability.support.Resources;
import dev.herald.reliability.support.Stacks;
import dev.herald.reliability.support.TestPostgres;
import dev.herald.reliability.support.Waits;
import dev.herald.webpush.VapidKeys;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

/**
 * One engine as its own JVM, as an application instance would run it: a Hikari pool on the test
 * database, and Herald ({@link JdbcHerald}) with the Web Push and FCM transports pointed at the
 * fake services, started. The crash loop kills it with SIGKILL; SIGTERM closes it cleanly.
 *
 * <p>Argument: a properties file with {@code url}, {@code instanceId}, {@code vapidPem},
 * {@code serviceAccount} (a file), {@code fcmBaseUrl}, {@code readyFile} and optionally
 * {@code statsFile} and {@code statsMillis}, where it appends a line of resource figures
 * ({@code epochMillis heapAfterGc threads sockets}) at that interval.
 */
public final class EngineMain {
  private EngineMain() {}

  /** Live threads by name with digits removed ({@code herald-webpush-12} counts as {@code herald-webpush-}). */
  static String threadGroups() {
    java.util.Map<String, Integer> groups = new java.util.TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      groups.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
    }
    StringBuilder sb = new StringBuilder();
    groups.forEach((k, v) -> sb.append(v).append(' ').append(k).append('\n'));
    return sb.toString();
  }

  /** Runs until killed. */
  public static void main(String[] args) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    String id = p.getProperty("instanceId");
    HikariDataSource ds = new HikariDataSource(TestPostgres.poolConfig(p.getProperty("url"), id, 6));
    VapidKeys keys = VapidKeys.fromPem(Files.readString(Path.of(p.getProperty("vapidPem"))));
    Duration timeout = Duration.ofMillis(Long.parseLong(p.getProperty("callTimeoutMillis", "10000")));
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
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      herald.close();
      ds.close();
    }, "engine-shutdown"));
    herald.start();
    Files.writeString(Path.of(p.getProperty("readyFile")), Instant.now().toString(), StandardCharsets.UTF_8);
    String stats = p.getProperty("statsFile");
    long every = Long.parseLong(p.getProperty("statsMillis", "0"));
    while (true) {
      if (stats != null && every > 0) {
        Waits.sleep(every);
        String line = System.currentTimeMillis() + " " + Resources.heapAfterGc() + " " + Resources.threads() + " "
            + Resources.openSockets() + "\n";
        Files.writeString(Path.of(stats), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.writeString(Path.of(stats + ".threads"), threadGroups(), StandardCharsets.UTF_8);
      } else {
        Waits.sleep(60_000);
      }
    }
  }
}
