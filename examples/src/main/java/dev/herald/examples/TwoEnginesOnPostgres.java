package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two engines (two application pods, say) share one PostgreSQL outbox: they split the work through
 * {@code FOR UPDATE SKIP LOCKED} and every notification is sent exactly once.
 *
 * <pre>{@code mvn -q -pl examples exec:java -Dexec.mainClass=dev.herald.examples.TwoEnginesOnPostgres \
 *     -Dexec.args="jdbc:postgresql://127.0.0.1:55432/herald?user=herald&password=herald"}</pre>
 */
public final class TwoEnginesOnPostgres {
  private TwoEnginesOnPostgres() {}

  /** Runs the example; the argument is a PostgreSQL JDBC URL ({@code scripts/pg url} prints one). */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: TwoEnginesOnPostgres <jdbc:postgresql://...?user=...&password=...>");
      System.exit(2);
    }
    run(args[0], "herald_example_", 1000, System.out);
  }

  /** Returns the sends of engine a and of engine b; together they equal {@code count}. */
  static int[] run(String url, String tablePrefix, int count, PrintStream out) throws InterruptedException {
    try (HikariDataSource db = ExampleSupport.postgres(url)) {
      ExampleSupport.ConsoleTransport a = new ExampleSupport.ConsoleTransport(Channel.FCM, null);
      ExampleSupport.ConsoleTransport b = new ExampleSupport.ConsoleTransport(Channel.FCM, null);
      // Two pods of the same service: each runs Herald with its own transport on the shared tables.
      JdbcHerald podA = JdbcHerald.builder(db).tablePrefix(tablePrefix).transport(a).instanceId("pod-a").batchSize(50)
          .pollInterval(Duration.ofMillis(50)).build();
      JdbcHerald podB = JdbcHerald.builder(db).tablePrefix(tablePrefix).transport(b).instanceId("pod-b").batchSize(50)
          .pollInterval(Duration.ofMillis(50)).build();
      podA.migrate();
      String run = Long.toString(System.nanoTime(), 36);
      List<Notification> batch = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        batch.add(Notification.builder("two-engines-" + run + "-" + i)
            .recipient(Recipient.device(new DeviceTarget.FcmInstallation("cTwoFid" + String.format("%015d", i))))
            .title("hello " + i).build());
      }
      podA.enqueueAll(batch);
      try (podA; podB) {
        podA.start();
        podB.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (a.sends.get() + b.sends.get() < count && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        Thread.sleep(200); // give a would-be duplicate the chance to show up
      }
      out.println("pod-a sent " + a.sends.get() + ", pod-b sent " + b.sends.get() + ", total " + (a.sends.get() + b.sends.get())
          + " for " + count + " notifications; distinct keys " + (a.keys.size() + b.keys.size()));
      return new int[] {a.sends.get(), b.sends.get(), a.keys.size() + b.keys.size()};
    }
  }
}
