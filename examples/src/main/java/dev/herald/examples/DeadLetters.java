package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.DeadLetter;
import dev.herald.outbox.jdbc.DeadLetterQuery;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an operator does after an incident: list the dead letters (rejected by the push service, or
 * out of retries), fix the cause, re-queue them, and watch them go out.
 */
public final class DeadLetters {
  private DeadLetters() {}

  /** Runs the example against an embedded H2. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Returns the dead letters found and the state of the first one after re-queueing. */
  static Object[] run(PrintStream out) {
    try (HikariDataSource db = ExampleSupport.h2("dead-letters")) {
      AtomicBoolean broken = new AtomicBoolean(true); // say, a payload bug fixed by a deploy
      ExampleSupport.ConsoleTransport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, out,
          d -> broken.get() ? Outcome.rejected("INVALID_ARGUMENT", "message.android.ttl: Illegal duration format")
              : Outcome.delivered("ok"));
      try (JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).build()) {
        herald.migrate();
        for (int i = 1; i <= 3; i++) {
          herald.enqueue(Notification.builder("promo-" + i)
              .recipient(Recipient.device(new DeviceTarget.FcmInstallation("cDeadFid0123456789ab" + i + "x")))
              .title("Promo " + i).build());
        }
        herald.runOnce();
        List<DeadLetter> dead = herald.admin().deadLetters(DeadLetterQuery.all());
        dead.forEach(d -> out.println("dead: " + d.idempotencyKey() + " after " + d.attempts() + " attempt(s): " + d.lastError()));
        broken.set(false);
        int requeued = herald.admin().requeue(DeadLetterQuery.byKey("promo-1"));
        out.println("re-queued " + requeued + " (promo-1 only)");
        herald.runOnce();
        DeliveryState promo1 = herald.find("promo-1").orElseThrow().state();
        out.println("promo-1 is now " + promo1 + "; still dead: " + herald.admin().deadLetters(DeadLetterQuery.all()).size());
        return new Object[] {dead, promo1};
      }
    }
  }
}
