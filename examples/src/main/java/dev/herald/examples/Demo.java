package dev.herald.examples;

import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.InMemoryOutboxStore;
import dev.herald.Notification;
import dev.herald.NotificationStatus;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.spi.DeliveryGuard;
import dev.herald.spi.DeliveryListener;
import dev.herald.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * "Your schedule starts now", end to end, with nothing to install: the engine on the in-memory store
 * and a console transport that prints what a phone would show.
 */
public final class Demo {
  private Demo() {}

  /** Runs the demo; finishes by itself. */
  public static void main(String[] args) throws Exception {
    InMemoryOutboxStore store = new InMemoryOutboxStore();
    Set<String> cancelledSchedules = ConcurrentHashMap.newKeySet();
    CountDownLatch finished = new CountDownLatch(2);

    Transport console = new Transport() {
      @Override
      public Channel channel() {
        return Channel.FCM;
      }

      @Override
      public CompletionStage<Outcome> send(Delivery d) {
        say("phone    <- \"" + d.content().title() + "\" (" + d.content().body() + ") to " + d.target());
        return CompletableFuture.completedFuture(Outcome.delivered("console-" + d.deliveryId()));
      }
    };
    DeliveryListener narrator = new DeliveryListener() {
      @Override
      public void delivered(Delivery d, Outcome.Delivered o) {
        say("herald   delivered " + d.notificationKey());
        finished.countDown();
      }

      @Override
      public void cancelled(Delivery d, String reason) {
        say("herald   cancelled " + d.notificationKey() + ": " + reason);
        finished.countDown();
      }
    };
    DeliveryGuard guard = d -> cancelledSchedules.contains(d.content().data().get("scheduleId"))
        ? DeliveryGuard.Verdict.veto("schedule was cancelled") : DeliveryGuard.Verdict.proceed();

    try (Herald herald = Herald.builder().store(store).transport(console).guard(guard).listener(narrator)
        .pollInterval(Duration.ofMillis(200)).build()) {
      herald.start();
      store.register("member-7", new DeviceTarget.FcmInstallation("cDemoFid0123456789abcd"));
      say("app      member-7 registered an Android phone");

      Instant due = Instant.now().plusSeconds(2);
      Notification reminder = reminder("schedule-42", due);
      say("app      schedule 42 created; reminder due at " + due);
      say("app      enqueue -> " + (herald.enqueue(reminder).created() ? "created" : "duplicate"));
      say("app      same event consumed again; enqueue -> " + (herald.enqueue(reminder).created() ? "created" : "duplicate"));

      herald.enqueue(reminder("schedule-43", due));
      cancelledSchedules.add("43");
      say("app      schedule 43 created, then cancelled; the guard will veto its reminder");

      if (!finished.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("demo did not finish in 30 s");
      }
      say("");
      say("what happened:");
      for (NotificationStatus s : store.all()) {
        say(String.format("  %-22s %-10s %s", s.idempotencyKey(), s.state(), s.reason() == null ? "" : s.reason()));
      }
    }
    say("(this demo runs the engine with the in-memory store and a console transport;"
        + " the JDBC outbox and the real transports have their own modules)");
  }

  private static Notification reminder(String scheduleKey, Instant due) {
    return Notification.builder(scheduleKey + ":starts")
        .recipient(Recipient.id("member-7"))
        .title("Your schedule starts now")
        .body("Schedule " + scheduleKey.substring(scheduleKey.indexOf('-') + 1))
        .data("scheduleId", scheduleKey.substring(scheduleKey.indexOf('-') + 1))
        .notBefore(due)
        .expiresAt(due.plus(Duration.ofMinutes(15)))
        .build();
  }

  private static void say(String line) {
    System.out.println(line);
  }
}
