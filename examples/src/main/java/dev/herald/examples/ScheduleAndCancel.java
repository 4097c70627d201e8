package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/**
 * Scheduled notifications: sent when due, never before; one cancelled before it falls due is never
 * sent; one whose expiry passes while it waits is never sent either.
 */
public final class ScheduleAndCancel {
  private ScheduleAndCancel() {}

  /** Runs the example against an embedded H2; takes about two seconds. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** Returns the final states of the kept, the cancelled and the expired reminder. */
  static DeliveryState[] run(PrintStream out) throws InterruptedException {
    try (HikariDataSource db = ExampleSupport.h2("schedule")) {
      ExampleSupport.ConsoleTransport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, out);
      try (JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).pollInterval(Duration.ofMillis(100)).build()) {
        herald.migrate();
        DeviceTarget phone = new DeviceTarget.FcmInstallation("cSchedFid0123456789abc");
        // Due at once but only worth sending for 200 ms; the engine starts later, so it expires unsent.
        herald.enqueue(reminder("meeting-3", phone, null, Instant.now().plusMillis(200)));
        Thread.sleep(300);
        herald.start();
        Instant due = Instant.now().plusMillis(1500);
        herald.enqueue(reminder("meeting-1", phone, due, null));
        herald.enqueue(reminder("meeting-2", phone, due, null));
        out.println("reminders scheduled; cancelling meeting-2: " + herald.cancel("meeting-2:reminder"));
        while (herald.find("meeting-1:reminder").orElseThrow().state() != DeliveryState.DELIVERED) {
          if (Instant.now().isAfter(due.plusSeconds(20))) {
            throw new IllegalStateException("meeting-1 was not delivered in time");
          }
          Thread.sleep(50);
        }
        out.println("meeting-1 delivered " + Duration.between(due, Instant.now()).toMillis() + " ms after it was due");
        DeliveryState[] states = {herald.find("meeting-1:reminder").orElseThrow().state(),
            herald.find("meeting-2:reminder").orElseThrow().state(),
            herald.find("meeting-3:reminder").orElseThrow().state()};
        out.println("meeting-2: " + states[1] + ", meeting-3 (expired while waiting): " + states[2]);
        return states;
      }
    }
  }

  private static Notification reminder(String meeting, DeviceTarget phone, Instant due, Instant expires) {
    return Notification.builder(meeting + ":reminder").recipient(Recipient.device(phone))
        .title("Your meeting starts now").notBefore(due).expiresAt(expires).build();
  }
}
