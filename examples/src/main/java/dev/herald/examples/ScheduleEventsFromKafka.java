package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeliveryState;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.kafka.Action;
import dev.herald.kafka.EventMapper;
import dev.herald.kafka.KafkaIngestion;
import dev.herald.kafka.PoisonHandling;
import dev.herald.kafka.testing.KafkaBroker;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The scheduling story driven from Kafka: the scheduling service publishes {@code ScheduleCreated},
 * {@code ScheduleCancelled} and {@code ScheduleStarted} events (keyed by schedule id, with an
 * {@code event-id} header) and this notification service turns them into reminders with
 * {@link KafkaIngestion}. One event arrives twice (a redelivery) and becomes one reminder; the
 * cancelled schedule's reminder is never sent; an unreadable event goes to the dead-letter topic.
 * Runs a real single-node Kafka broker on 127.0.0.1 in a child JVM; about 15 seconds.
 */
public final class ScheduleEventsFromKafka {
  private ScheduleEventsFromKafka() {}

  /** Runs the example against an embedded H2 and a local broker. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** The host's mapping: {@code "<type> <scheduleId> <memberId> <startsAt>"} events to outbox actions. */
  static EventMapper<String, String> mapper(DeviceTarget phone) {
    return event -> {
      String[] f = event.value().split(" ");
      String key = "schedule-" + f[1] + ":starts";
      return switch (f[0]) {
        case "ScheduleCreated" -> List.of(Action.enqueue(Notification.builder(key)
            .recipient(Recipient.device(phone)).title("Your schedule starts now").data("scheduleId", f[1])
            .notBefore(Instant.parse(f[3])).build()));
        case "ScheduleCancelled" -> List.of(Action.cancel(key, "schedule cancelled"));
        case "ScheduleStarted" -> List.of(Action.cancel(key, "schedule already started"));
        default -> throw new IllegalArgumentException("unknown event type " + f[0]);
      };
    };
  }

  /** Returns the reminders' final states: schedule 1 (kept), 2 (cancelled), 3 (started early). */
  static DeliveryState[] run(PrintStream out) throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(); HikariDataSource db = ExampleSupport.h2("kafka")) {
      broker.createTopic("schedule-events", 3);
      broker.createTopic("schedule-events.dlt", 1);
      out.println("Kafka broker on " + broker.bootstrapServers());
      ExampleSupport.ConsoleTransport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, out);
      DeviceTarget phone = new DeviceTarget.FcmInstallation("cKafkaFid0123456789abc");
      Instant soon = Instant.now().plusSeconds(3);
      Instant later = Instant.now().plusSeconds(3600);
      try (JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).pollInterval(Duration.ofMillis(100)).build();
          KafkaIngestion ingestion = KafkaIngestion.builder().bootstrapServers(broker.bootstrapServers())
              .groupId("notifications").topics("schedule-events").herald(herald).mapper(mapper(phone))
              .onPoison(PoisonHandling.deadLetter("schedule-events.dlt")).build();
          KafkaProducer<String, String> scheduling = new KafkaProducer<>(Map.of(
              ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
              new StringSerializer(), new StringSerializer())) {
        herald.migrate();
        herald.start();
        ingestion.start();
        publish(scheduling, "1", "e1", "ScheduleCreated 1 member-7 " + soon);
        publish(scheduling, "1", "e1", "ScheduleCreated 1 member-7 " + soon);   // redelivered: same event id
        publish(scheduling, "2", "e2", "ScheduleCreated 2 member-7 " + soon);
        publish(scheduling, "3", "e3", "ScheduleCreated 3 member-7 " + later);
        publish(scheduling, "2", "e4", "ScheduleCancelled 2");
        publish(scheduling, "3", "e5", "ScheduleStarted 3");
        publish(scheduling, "4", "e6", "ScheduleMoved 4");                      // unknown: dead-lettered
        out.println("7 events published; waiting for schedule 1's reminder");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (herald.find("schedule-1:starts").map(s -> s.state() != DeliveryState.DELIVERED).orElse(true)
            || ingestion.stats().deadLettered() < 1) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("not done in 60 s: " + ingestion.stats());
          }
          Thread.sleep(50);
        }
        DeliveryState[] states = {herald.find("schedule-1:starts").orElseThrow().state(),
            herald.find("schedule-2:starts").orElseThrow().state(), herald.find("schedule-3:starts").orElseThrow().state()};
        out.println("schedule 1: " + states[0] + ", schedule 2: " + states[1] + ", schedule 3: " + states[2]);
        out.println("ingestion: " + ingestion.stats().records() + " records applied, "
            + ingestion.stats().deadLettered() + " dead-lettered, notifications stored: 3 for 4 ScheduleCreated records");
        return states;
      }
    }
  }

  private static void publish(KafkaProducer<String, String> producer, String key, String eventId, String value)
      throws Exception {
    ProducerRecord<String, String> r = new ProducerRecord<>("schedule-events", key, value);
    r.headers().add("event-id", eventId.getBytes(StandardCharsets.UTF_8));
    producer.send(r).get();
  }
}
