package dev.herald.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.console.ConsoleServer;
import dev.herald.console.EngineStatusListener;
import dev.herald.console.HeraldConsole;
import dev.herald.fcm.FcmTransport;
import dev.herald.fcm.ServiceAccount;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.DeliveryListener;
import dev.herald.testing.Reply;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.testing.fcm.FcmError;
import dev.herald.testing.fcm.FcmRequest;
import dev.herald.testing.webpush.FakePushService;
import dev.herald.testing.webpush.PushRequest;
import dev.herald.webpush.EndpointPolicy;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * "Your schedule starts now", end to end, with nothing to install: an embedded H2 outbox, the real
 * FCM and Web Push transports, and herald-testing's fake FCM and push service, real HTTP servers on
 * 127.0.0.1 in this process that answer as Google's and a browser vendor's do; the fake browser
 * decrypts what it receives. It prints one line per event and a table at the end, and stops by
 * itself. It also serves the operator console on 127.0.0.1 and prints its URL; with
 * {@code --keep-console} the console stays open after the story until Enter is pressed.
 *
 * <pre>{@code mvn -B -q install -DskipTests && mvn -B -q -pl examples exec:java}</pre>
 * <pre>{@code mvn -B -q -pl examples exec:java -Dexec.args=--keep-console}</pre>
 */
public final class Demo {
  static final String MEMBER = "member-7";
  static final String PHONE_FID = "cPh0neFid_Demo-0123456";
  static final String OLD_TABLET_TOKEN = "dTabletLegacyToken:APA91bDemoDemoDemoDemo";

  private final PrintStream out;
  private final boolean keepConsole;
  private final long t0 = System.nanoTime();

  Demo(PrintStream out) {
    this(out, false);
  }

  Demo(PrintStream out, boolean keepConsole) {
    this.out = out;
    this.keepConsole = keepConsole;
  }

  /** Runs the demo; finishes by itself in well under a minute ({@code --keep-console}: after Enter). */
  public static void main(String[] args) throws Exception {
    new Demo(System.out, List.of(args).contains("--keep-console")).run();
  }

  void say(String who, String what) {
    out.printf("[%5.2fs] %-8s %s%n", (System.nanoTime() - t0) / 1e9, who, what);
  }

  /** Runs the story; returns the final status of every notification. */
  List<NotificationStatus> run() throws Exception {
    VapidKeys vapid = VapidKeys.generate();
    try (FakeFcm fcm = FakeFcm.start();
         FakePushService pushService = FakePushService.builder().applicationServerKey(vapid.publicKeyBase64Url()).build();
         HikariDataSource db = h2()) {
      fcm.onDelivery(m -> say("fcm", "accepted for " + target(m) + ": \"" + m.object("notification").get("title")
          + "\" tag=" + m.object("android", "notification").get("tag")));
      pushService.onRequest(this::narrate);
      createSchedulesTable(db);

      FcmTransport fcmTransport = FcmTransport.builder()
          .serviceAccount(ServiceAccount.fromJson(fcm.serviceAccountJson()))
          .baseUrl(fcm.baseUrl())
          .build();
      WebPushTransport webPush = WebPushTransport.builder()
          .vapidKeys(vapid)
          .subject("mailto:ops@herald.dev")
          .endpointPolicy(EndpointPolicy.builder().allowKnownPushServices().allowHttp(true).allowLoopback(true).build())
          .build();
      DeliveryGuard scheduleStillPending = d -> {
        String id = d.content().data().get("scheduleId");
        String status = scheduleStatus(db, id);
        return "SCHEDULED".equals(status) ? DeliveryGuard.Verdict.proceed()
            : DeliveryGuard.Verdict.veto("schedule " + id + " is " + status.toLowerCase());
      };

      // The operator console: pauses from the engine's listener, everything else from the outbox.
      EngineStatusListener engineStatus = EngineStatusListener.create();
      // One object for everything: it refuses what these transports would refuse, before anything is stored.
      try (JdbcHerald herald = JdbcHerald.builder(db)
          .transport(fcmTransport)
          .transport(webPush)
          .guard(scheduleStillPending)
          .listener(narrator())
          .listener(engineStatus)
          .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofMillis(500)).build())
          .pollInterval(Duration.ofMillis(200))
          .build();
           ConsoleServer console = HeraldConsole.builder(herald.admin())
               .engineStatus(engineStatus)
               .actionsEnabled(true)                       // loopback only: no authorization hook here
               .build()
               .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
        herald.migrate();
        say("app", "H2 outbox migrated; fake FCM and Web Push services listening on 127.0.0.1");
        herald.start();
        say("console", "Herald console at " + console.url() + " (recipient " + MEMBER + ": " + console.url()
            + "recipient?id=" + MEMBER + ")");

        herald.devices().register(MEMBER, new DeviceTarget.FcmInstallation(PHONE_FID));
        say("app", MEMBER + " registered an Android phone (FCM installation id)");
        herald.devices().register(MEMBER, pushService.subscribe());
        say("app", MEMBER + " subscribed a browser (Web Push)");
        herald.devices().register(MEMBER, new DeviceTarget.FcmToken(OLD_TABLET_TOKEN));
        fcm.answer(OLD_TABLET_TOKEN, FcmError.UNREGISTERED.reply());
        say("app", MEMBER + " still has an old tablet's legacy FCM token (the app was uninstalled)");

        Instant startsAt = Instant.now().plusSeconds(3);
        createSchedule(db, herald, "42", startsAt);
        say("app", "schedule 42 created and its reminder enqueued in one transaction, due at +3 s");
        boolean created = enqueueReminder(db, herald, "42", startsAt);
        say("app", "the ScheduleCreated event was consumed twice: second enqueue " + (created ? "CREATED (bug!)" : "was a duplicate"));

        createSchedule(db, herald, "43", startsAt);
        cancelSchedule(db, herald, "43");
        say("app", "schedule 43 created, then cancelled: its reminder is cancelled in the same transaction");

        createSchedule(db, herald, "44", startsAt);
        setStatus(db, "44", "STARTED");
        say("app", "schedule 44 created, then started early: the guard will veto its reminder at send time");

        pushService.answerNext(Reply.status(503).withRetryAfter(Duration.ofSeconds(1)));
        say("webpush", "will answer the first message with 503 and Retry-After: 1");

        List<String> keys = List.of(key("42"), key("43"), key("44"));
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (!keys.stream().allMatch(k -> herald.find(k).map(s -> s.state().terminal()).orElse(false))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the demo did not finish in 40 s");
          }
          Thread.sleep(100);
        }
        List<NotificationStatus> result = keys.stream().map(k -> herald.find(k).orElseThrow()).toList();
        printTables(result, herald.devices().devices(MEMBER));
        if (keepConsole) {
          out.println();
          out.println("The console stays open at " + console.url() + " — press Enter to stop.");
          waitForEnter();
        }
        return result;
      }
    }
  }

  private static void waitForEnter() {
    try {
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    } catch (IOException e) {
      // no terminal: stop at once
    }
  }

  private DeliveryListener narrator() {
    return new DeliveryListener() {
      @Override
      public void delivered(Delivery d, Outcome.Delivered o) {
        say("herald", "delivered " + d.notificationKey() + " to " + d.target() + " (attempt " + d.attempt() + ")");
      }

      @Override
      public void retryScheduled(Delivery d, Outcome cause, Duration delay) {
        say("herald", "will retry " + d.notificationKey() + " to " + d.target().kind() + " in " + delay.toMillis() + " ms: " + cause.describe());
      }

      @Override
      public void cancelled(Delivery d, String reason) {
        say("herald", "guard vetoed " + d.notificationKey() + " to " + d.target().kind() + ": " + reason);
      }

      @Override
      public void targetInvalidated(Delivery d, Outcome.TargetGone cause) {
        say("herald", "invalidated " + d.target() + ": " + cause.describe());
      }

      @Override
      public void dead(Delivery d, Outcome cause) {
        say("herald", "gave up " + d.notificationKey() + ": " + cause.describe());
      }

      @Override
      public void channelPaused(Channel c, Outcome cause, Duration pausedFor) {
        say("herald", "paused " + c + ": " + cause.describe());
      }
    };
  }

  private void printTables(List<NotificationStatus> notes, List<Device> devices) {
    out.println();
    out.println("Notifications");
    out.printf("  %-20s %-12s %s%n", "key", "state", "deliveries");
    for (NotificationStatus s : notes) {
      StringBuilder ds = new StringBuilder();
      for (NotificationStatus.DeliveryStatus d : s.deliveries()) {
        ds.append(ds.length() == 0 ? "" : ", ").append(d.target().kind()).append('=').append(d.state())
            .append(d.attempts() > 1 ? " after " + d.attempts() + " attempts" : "");
      }
      if (s.deliveries().isEmpty() && s.reason() != null) {
        ds.append(s.reason());
      }
      out.printf("  %-20s %-12s %s%n", s.idempotencyKey(), s.state(), ds);
    }
    out.println();
    out.println("Devices of " + MEMBER);
    out.printf("  %-8s %-36s %-8s %s%n", "kind", "device", "status", "reason");
    for (Device d : devices) {
      out.printf("  %-8s %-36s %-8s %s%n", d.target().kind(), d.target(), d.status(),
          d.invalidReason() == null ? "" : d.invalidReason());
    }
  }

  private static String target(FcmRequest m) {
    return (m.message().containsKey("fid") ? "fid " : "token ") + m.target().substring(0, 6) + "…";
  }

  /** What the push service answered, and what the browser decrypted. */
  private void narrate(PushRequest r) {
    if (r.accepted()) {
      String topic = r.header("Topic");
      say("browser", "decrypted " + r.text() + (topic == null ? "" : " (Topic " + topic + ")"));
    } else {
      say("webpush", "answered " + r.reply() + (r.problems().isEmpty() ? "" : " " + r.problems()));
    }
  }

  // ------------------------------------------------------------------ the host application's own data

  static String key(String scheduleId) {
    return "schedule-" + scheduleId + ":starts";
  }

  private static HikariDataSource h2() {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl("jdbc:h2:mem:herald-demo-" + System.nanoTime()
        + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    c.setMaximumPoolSize(8);
    c.setPoolName("demo");
    return new HikariDataSource(c);
  }

  private static void createSchedulesTable(HikariDataSource db) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.createStatement().execute("create table schedules (id varchar(32) primary key, member varchar(64), "
          + "starts_at timestamp with time zone, status varchar(16))");
    }
  }

  /** The host's business transaction: the schedule row and its reminder commit together or not at all. */
  private static void createSchedule(HikariDataSource db, JdbcHerald herald, String id, Instant startsAt) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("insert into schedules values (?, ?, ?, 'SCHEDULED')")) {
        ps.setString(1, id);
        ps.setString(2, MEMBER);
        ps.setTimestamp(3, Timestamp.from(startsAt));
        ps.executeUpdate();
      }
      herald.enqueue(c, reminder(id, startsAt));
      c.commit();
    }
  }

  /** What a consumer of the ScheduleCreated event does; safe to run twice. */
  private static boolean enqueueReminder(HikariDataSource db, JdbcHerald herald, String id, Instant startsAt) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      boolean created = herald.enqueue(c, reminder(id, startsAt)).created();
      c.commit();
      return created;
    }
  }

  /** The host cancels the schedule and its reminder in one transaction. */
  private static void cancelSchedule(HikariDataSource db, JdbcHerald herald, String id) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("update schedules set status = 'CANCELLED' where id = ?")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      herald.cancel(c, key(id));
      c.commit();
    }
  }

  private static void setStatus(HikariDataSource db, String id, String status) throws SQLException {
    try (Connection c = db.getConnection();
         PreparedStatement ps = c.prepareStatement("update schedules set status = ? where id = ?")) {
      ps.setString(1, status);
      ps.setString(2, id);
      ps.executeUpdate();
    }
  }

  private static String scheduleStatus(HikariDataSource db, String id) {
    try (Connection c = db.getConnection();
         PreparedStatement ps = c.prepareStatement("select status from schedules where id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : "DELETED";
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read schedule " + id, e);
    }
  }

  private static Notification reminder(String id, Instant startsAt) {
    return Notification.builder(key(id))
        .recipient(Recipient.id(MEMBER))
        .title("Your schedule starts now")
        .body("Schedule " + id + " is starting")
        .data("scheduleId", id)
        .notBefore(startsAt)
        .expiresAt(startsAt.plus(Duration.ofMinutes(10)))
        .build();
  }

}
