package dev.herald.benchmarks.console;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.console.ConsoleServer;
import dev.herald.console.HeraldConsole;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.spi.InputValidator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * Fills an outbox on PostgreSQL with a million notifications and deliveries (bulk SQL with
 * generate_series, not the public enqueue: a week of history at about 6,000 an hour, mostly
 * delivered, with dead letters, "target gone", cancelled, expired, a backlog of pending and in-flight
 * deliveries, and one device per recipient; or, with {@code --scenario backlog}, every delivery pending
 * and due), then times every console API call and page over HTTP
 * through the console's own JDK server: the wall time an operator's browser waits for the data.
 *
 * <pre>{@code java -cp ... dev.herald.benchmarks.console.ConsoleAtScale --rows 1000000 --recipients 200000 --runs 30}</pre>
 *
 * {@code --keep true} leaves the tables (their prefix is printed) for EXPLAIN in psql.
 */
public final class ConsoleAtScale {
  private ConsoleAtScale() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    }
    String url = a.getOrDefault("url", System.getenv().getOrDefault("HERALD_BENCH_URL",
        "jdbc:postgresql://127.0.0.1:55432/herald?user=herald&password=herald"));
    int rows = Integer.parseInt(a.getOrDefault("rows", "1000000"));
    int recipients = Integer.parseInt(a.getOrDefault("recipients", "200000"));
    int runs = Integer.parseInt(a.getOrDefault("runs", "30"));
    boolean keep = Boolean.parseBoolean(a.getOrDefault("keep", "false"));
    String prefix = a.getOrDefault("prefix", "");
    // "history" (default): a week of mostly delivered traffic; "backlog": every delivery pending and
    // due, as after a long push-service outage.
    boolean backlog = a.getOrDefault("scenario", "history").equals("backlog");

    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setMaximumPoolSize(8);
    hc.setPoolName("console-bench");
    try (HikariDataSource ds = new HikariDataSource(hc)) {
      boolean fill = prefix.isEmpty();
      if (fill) {
        prefix = "cb_" + UUID.randomUUID().toString().substring(0, 6) + "_";
      }
      JdbcOutbox outbox = JdbcOutbox.builder(ds).tablePrefix(prefix).listenNotify(false).purgeInterval(Duration.ZERO)
          .validator(InputValidator.none()).build();
      outbox.migrate();
      System.out.println("tables: " + prefix + "*  (" + Runtime.getRuntime().availableProcessors() + " cores, Java "
          + System.getProperty("java.version") + ")");
      try {
        if (fill) {
          long t0 = System.nanoTime();
          fill(ds, outbox, prefix, rows, recipients, backlog);
          System.out.printf("filled %,d notifications and deliveries, %,d devices in %.1f s%n", rows, recipients,
              (System.nanoTime() - t0) / 1e9);
        }
        printCounts(ds, prefix);
        measure(outbox, ds, prefix, recipients, runs);
      } finally {
        outbox.close();
        if (!keep && fill) {
          drop(ds, prefix);
        }
      }
    }
  }

  private static void fill(HikariDataSource ds, JdbcOutbox outbox, String p, int rows, int recipients, boolean backlog)
      throws Exception {
    // Templates made by the public API, so that the stored payload and device target are real encodings.
    outbox.register("template-recipient", new DeviceTarget.FcmToken("template-device-token-0123456789"));
    outbox.enqueue(Notification.builder("template-notification").recipient(Recipient.id("template-recipient"))
        .title("Your schedule starts now").body("Standup in room 3").data("scheduleId", "42").build());
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(true);
      s.execute("SET synchronous_commit = off");
      s.execute("INSERT INTO " + p + "device (recipient_id, channel, kind, address_hash, target, status, registered_at,"
          + " last_seen_at, invalidated_at, invalid_reason)"
          + " SELECT 'member-' || g, 'fcm', 'token', md5('dev' || g), t.target,"
          + " CASE WHEN g % 20 = 0 THEN 2 ELSE 0 END, now() - interval '30 days', now() - (g % 1000) * interval '1 minute',"
          + " CASE WHEN g % 20 = 0 THEN now() - (g % 500) * interval '1 minute' END,"
          + " CASE WHEN g % 20 = 0 THEN 'UNREGISTERED: FCM 404 UNREGISTERED Requested entity was not found.' END"
          + " FROM generate_series(1, " + recipients + ") g, (SELECT target FROM " + p + "device WHERE recipient_id = 'template-recipient') t");
      s.execute("CREATE TEMP TABLE bench_n AS SELECT g, nextval('" + p + "notification_seq') AS id,"
          + " now() - (random() * interval '7 days') AS created FROM generate_series(1, " + rows + ") g");
      s.execute("INSERT INTO " + p + "notification (id, idempotency_key, recipient_id, state, next_at, expires_at, created_at,"
          + " finished_at, reason, payload, due_at)"
          + " SELECT b.id, 'bench-' || b.g, 'member-' || (1 + b.g % " + recipients + "), 10, NULL, NULL, b.created, NULL, NULL,"
          + " t.payload, b.created FROM bench_n b, (SELECT payload FROM " + p + "notification"
          + " WHERE idempotency_key = 'template-notification') t");
      s.execute("INSERT INTO " + p + "dedup (idempotency_key, notification_id) SELECT 'bench-' || g, id FROM bench_n");
      // States by g % 1000: 0-19 dead, 20-34 target gone, 35-39 cancelled, 40-44 expired, 45-49 pending
      // later, 50-51 pending due, 52 pending retry, 53 in flight, the rest delivered.
      s.execute("INSERT INTO " + p + "delivery (notification_id, device_id, channel, state, attempts, fencing_token, next_at,"
          + " lease_owner, finished_at, provider_id, last_error)"
          + " SELECT b.id, d.id, 'fcm', x.state, x.attempts, 1,"
          + " CASE x.state WHEN 0 THEN (CASE WHEN b.g % 1000 BETWEEN 45 AND 49 THEN now() + interval '1 hour'"
          + "   ELSE now() - interval '30 seconds' END) WHEN 1 THEN now() + interval '1 minute' END,"
          + " CASE WHEN x.state = 1 THEN 'bench-engine' END,"
          + " CASE WHEN x.state >= 2 THEN b.created + interval '2 seconds' END,"
          + " CASE WHEN x.state = 2 THEN 'projects/bench/messages/' || b.g END,"
          + " CASE x.state WHEN 3 THEN '400: INVALID_ARGUMENT The registration token is not a valid FCM registration token'"
          + "   WHEN 6 THEN 'UNREGISTERED: FCM 404 UNREGISTERED Requested entity was not found.'"
          + "   WHEN 4 THEN 'schedule already started' WHEN 0 THEN (CASE WHEN x.attempts > 0 THEN '503: UNAVAILABLE' END) END"
          + " FROM bench_n b JOIN " + p + "device d ON d.address_hash = md5('dev' || (1 + b.g % " + recipients + "))"
          + " CROSS JOIN LATERAL (SELECT CASE WHEN " + backlog + " THEN 0 WHEN b.g % 1000 < 20 THEN 3 WHEN b.g % 1000 < 35 THEN 6"
          + "   WHEN b.g % 1000 < 40 THEN 4 WHEN b.g % 1000 < 45 THEN 5 WHEN b.g % 1000 < 53 THEN 0"
          + "   WHEN b.g % 1000 = 53 THEN 1 ELSE 2 END AS state,"
          + "   CASE WHEN " + backlog + " THEN 0 WHEN b.g % 1000 < 20 THEN 12 WHEN b.g % 1000 = 52 THEN 2 WHEN b.g % 1000 < 45 THEN 1 ELSE 0 END AS attempts) x");
      s.execute("DROP TABLE bench_n");
      s.execute("VACUUM ANALYZE " + p + "notification");
      s.execute("VACUUM ANALYZE " + p + "delivery");
      s.execute("VACUUM ANALYZE " + p + "device");
      s.execute("VACUUM ANALYZE " + p + "dedup");
    }
  }

  private static void printCounts(HikariDataSource ds, String p) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM " + p + "notification), (SELECT count(*) FROM " + p
            + "delivery), (SELECT count(*) FROM " + p + "device), (SELECT count(*) FROM " + p + "delivery WHERE state = 3),"
            + " (SELECT count(*) FROM " + p + "delivery WHERE next_at IS NOT NULL),"
            + " (SELECT count(*) FROM " + p + "delivery WHERE finished_at >= now() - interval '1 hour')")) {
      rs.next();
      System.out.printf("rows: %,d notifications, %,d deliveries, %,d devices; %,d dead, %,d open, %,d finished in the last hour%n",
          rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
    }
  }

  private static void measure(JdbcOutbox outbox, HikariDataSource ds, String p, int recipients, int runs) throws Exception {
    HeraldConsole console = HeraldConsole.builder(outbox.admin()).build();
    Random rnd = new Random(42);
    String someDeadRecipient;
    long someId;
    String cursor;
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      ResultSet rs = s.executeQuery("SELECT n.recipient_id, n.id FROM " + p + "delivery d JOIN " + p
          + "notification n ON n.id = d.notification_id ORDER BY d.state = 3 DESC, d.finished_at DESC, d.id DESC LIMIT 1");
      rs.next();
      someDeadRecipient = rs.getString(1);
      someId = rs.getLong(2);
      rs = s.executeQuery("SELECT finished_at, id FROM " + p + "delivery WHERE state = 3 ORDER BY finished_at DESC, id DESC"
          + " OFFSET 49 LIMIT 1");
      cursor = rs.next() ? "afterAt=" + URLEncoder.encode(rs.getObject(1, java.time.OffsetDateTime.class).toInstant().toString(),
          StandardCharsets.UTF_8) + "&afterId=" + rs.getLong(2) : "afterAt=2000-01-01T00:00:00Z&afterId=1";
    }
    Map<String, IntFunction<String>> calls = new LinkedHashMap<>();
    calls.put("page: overview (HTML)", i -> "");
    calls.put("api/session", i -> "api/session");
    calls.put("api/overview", i -> "api/overview");
    calls.put("api/recipient (random recipient)", i -> "api/recipient?id=member-" + (1 + rnd.nextInt(recipients)));
    calls.put("api/notification?key (random)", i -> "api/notification?key=bench-" + (1 + rnd.nextInt(900_000)));
    calls.put("api/notification?id", i -> "api/notification?id=" + someId);
    calls.put("api/dead (newest 50)", i -> "api/dead");
    calls.put("api/dead (second page, keyset)", i -> "api/dead?" + cursor);
    calls.put("api/dead?channel=fcm", i -> "api/dead?channel=fcm");
    calls.put("api/dead?recipient", i -> "api/dead?recipient=" + someDeadRecipient);
    calls.put("api/dead?from&before (one day)", i -> "api/dead?from=" + java.time.Instant.now().minus(Duration.ofDays(3))
        + "&before=" + java.time.Instant.now().minus(Duration.ofDays(2)));
    calls.put("api/dead/count (all, up to 100,000)", i -> "api/dead/count");
    calls.put("api/dead/count?recipient", i -> "api/dead/count?recipient=" + someDeadRecipient);
    HttpClient http = HttpClient.newHttpClient();
    try (ConsoleServer server = console.start(new InetSocketAddress("127.0.0.1", 0))) {
      URI base = server.url();
      System.out.printf("%-40s %9s %9s %9s %9s %s%n", "call (" + runs + " runs after 3 warm-up)", "median", "p90", "max", "bytes", "");
      for (Map.Entry<String, IntFunction<String>> e : calls.entrySet()) {
        List<Double> ms = new ArrayList<>();
        int bytes = 0;
        for (int i = 0; i < runs + 3; i++) {
          URI u = base.resolve(e.getValue().apply(i));
          long t0 = System.nanoTime();
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofString());
          double took = (System.nanoTime() - t0) / 1e6;
          if (r.statusCode() != 200) {
            throw new IllegalStateException(u + " answered " + r.statusCode() + ": " + r.body());
          }
          bytes = r.body().length();
          if (i >= 3) {
            ms.add(took);
          }
        }
        ms.sort(Double::compare);
        System.out.printf("%-40s %7.1f ms %7.1f ms %7.1f ms %9d%n", e.getKey(), ms.get(ms.size() / 2),
            ms.get((int) Math.ceil(ms.size() * 0.9) - 1), ms.get(ms.size() - 1), bytes);
      }
      String body = http.send(HttpRequest.newBuilder(base.resolve("api/overview")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      System.out.println("overview: " + body.substring(0, Math.min(body.length(), 600)));
    }
  }

  private static void drop(HikariDataSource ds, String p) {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      for (String t : new String[] {"notification", "delivery", "dedup", "device", "schema_version"}) {
        s.execute("DROP TABLE IF EXISTS " + p + t);
      }
      s.execute("DROP SEQUENCE IF EXISTS " + p + "notification_seq");
    } catch (Exception e) {
      System.err.println("could not drop " + p + "*: " + e.getMessage());
    }
  }
}
