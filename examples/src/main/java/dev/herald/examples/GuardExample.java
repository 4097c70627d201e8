package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.DeliveryGuard;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A guard asks the host right before each send whether the notification is still wanted. Here the
 * schedule of one reminder started early, so its reminder is vetoed and finishes as cancelled.
 */
public final class GuardExample {
  private GuardExample() {}

  /** Runs the example on the in-memory store. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Returns the final states of the wanted and the vetoed reminder. */
  static DeliveryState[] run(PrintStream out) {
    Map<String, String> scheduleStatus = new ConcurrentHashMap<>(Map.of("1", "SCHEDULED", "2", "SCHEDULED"));
    DeliveryGuard stillScheduled = d -> {
      String status = scheduleStatus.get(d.content().data().get("scheduleId"));
      return "SCHEDULED".equals(status) ? DeliveryGuard.Verdict.proceed()
          : DeliveryGuard.Verdict.veto("schedule already " + status.toLowerCase());
    };
    try (HikariDataSource db = ExampleSupport.h2("guard");
        JdbcHerald herald = JdbcHerald.builder(db)
            .transport(new ExampleSupport.ConsoleTransport(Channel.FCM, out)).guard(stillScheduled).build()) {
      herald.migrate();
      for (String id : new String[] {"1", "2"}) {
        herald.enqueue(Notification.builder("schedule-" + id + ":starts")
            .recipient(Recipient.device(new DeviceTarget.FcmInstallation("cGuardFid0123456789abc")))
            .title("Schedule " + id + " starts now").data("scheduleId", id).build());
      }
      scheduleStatus.put("2", "STARTED"); // the host's state changed after the enqueue
      herald.runOnce();
      DeliveryState[] states = {herald.find("schedule-1:starts").orElseThrow().state(),
          herald.find("schedule-2:starts").orElseThrow().state()};
      out.println("schedule-1: " + states[0] + "; schedule-2: " + states[1] + " ("
          + herald.find("schedule-2:starts").orElseThrow().reason() + ")");
      return states;
    }
  }
}
