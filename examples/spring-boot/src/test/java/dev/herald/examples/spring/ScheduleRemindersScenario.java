package dev.herald.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The service driven over HTTP as its clients would: devices registered, schedules created,
 * cancelled and started early, reminders followed to the fake push services, the actuator read.
 */
abstract class ScheduleRemindersScenario {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @LocalServerPort
  int port;

  @Autowired
  SimulatedPushServices sims;

  @Autowired
  ScheduleRepository schedules;

  record Answer(int status, JsonNode body) {}

  Answer call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isEmpty() ? null : json.readTree(r.body()));
  }

  JsonNode awaitSchedule(long id, Predicate<JsonNode> condition) throws Exception {
    long end = System.nanoTime() + DEADLINE.toNanos();
    JsonNode s = call("GET", "/schedules/" + id, null).body();
    while (!condition.test(s)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("schedule " + id + " not as expected within " + DEADLINE + ": " + s);
      }
      Thread.sleep(50);
      s = call("GET", "/schedules/" + id, null).body();
    }
    return s;
  }

  private static String reminderState(JsonNode schedule) {
    return schedule.path("reminder").path("state").asString();
  }

  @Test
  void remindersOverHttp() throws Exception {
    Answer phone = call("POST", "/members/member-7/devices", "{\"fcmInstallationId\":\"cPh0neFid_Demo-0123456\"}");
    assertThat(phone.status()).isEqualTo(201);
    JsonNode subscription = call("POST", "/simulated/browsers/laptop", null).body();
    assertThat(call("POST", "/members/member-7/devices", subscription.toString()).status()).isEqualTo(201);
    assertThat(call("GET", "/members/member-7/devices", null).body()).hasSize(2);

    Answer yoga = call("POST", "/schedules", "{\"member\":\"member-7\",\"title\":\"Yoga\",\"startsInSeconds\":1}");
    assertThat(yoga.status()).isEqualTo(201);
    assertThat(reminderState(yoga.body())).isEqualTo("PENDING");
    long pilates = call("POST", "/schedules", "{\"member\":\"member-7\",\"title\":\"Pilates\",\"startsInSeconds\":1}")
        .body().get("id").asLong();
    long spin = call("POST", "/schedules", "{\"member\":\"member-7\",\"title\":\"Spin\",\"startsInSeconds\":1}")
        .body().get("id").asLong();
    assertThat(reminderState(call("POST", "/schedules/" + pilates + "/cancel", null).body())).isEqualTo("CANCELLED");
    assertThat(call("POST", "/schedules/" + spin + "/start", null).body().get("status").asString()).isEqualTo("STARTED");

    JsonNode sent = awaitSchedule(yoga.body().get("id").asLong(), s -> "DELIVERED".equals(reminderState(s)));
    assertThat(sent.path("reminder").path("deliveries")).hasSize(2);
    JsonNode vetoed = awaitSchedule(spin, s -> "CANCELLED".equals(reminderState(s)));
    assertThat(vetoed.path("reminder").path("deliveries").get(0).path("lastError").asString())
        .contains("schedule " + spin + " is started");
    assertThat(sims.received()).anyMatch(m -> m.equals("fcm Yoga starts now"))
        .anyMatch(m -> m.startsWith("webpush ") && m.contains("Yoga starts now"))
        .noneMatch(m -> m.contains("Pilates") || m.contains("Spin"));
    assertThat(sims.problems()).as("what the push services refused or could not decrypt").isEmpty();
  }

  @Test
  void aRefusedReminderRollsTheScheduleBack() throws Exception {
    long before = schedules.count();
    // A recipient id with a control character: the reminder is refused inside the transaction that
    // had saved the schedule already.
    Answer refused = call("POST", "/schedules", "{\"member\":\"bell\\u0007\",\"title\":\"Box\",\"startsInSeconds\":5}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.body().get("detail").asString()).contains("recipientId");
    assertThat(schedules.count()).as("the schedule was rolled back with its reminder").isEqualTo(before);
  }

  @Test
  void aSubscriptionToAnUnknownPushServiceIsRefused() throws Exception {
    Answer refused = call("POST", "/members/member-8/devices", "{\"endpoint\":\"https://push.internal.corp/sub/1\","
        + "\"keys\":{\"p256dh\":\"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM\","
        + "\"auth\":\"tBHItJI5svbpez7KI4CCXg\"}}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.body().get("detail").asString()).contains("endpoint");
    assertThat(call("GET", "/members/member-8/devices", null).body()).isEmpty();
  }

  @Test
  void theActuatorShowsHerald() throws Exception {
    JsonNode health = call("GET", "/actuator/health", null).body();
    assertThat(health.path("components").path("herald").path("status").asString()).isEqualTo("UP");
    assertThat(health.path("components").path("herald").path("details").path("engine").asString()).isEqualTo("running");
    JsonNode info = call("GET", "/actuator/info", null).body();
    assertThat(info.path("herald").path("channels").toString()).contains("fcm").contains("webpush");
    assertThat(info.path("herald").path("webPush").path("vapidPublicKey").asString()).isNotEmpty();
    JsonNode metric = call("GET", "/actuator/metrics/herald.in_flight", null).body();
    assertThat(metric.path("name").asString()).isEqualTo("herald.in_flight");
  }
}
