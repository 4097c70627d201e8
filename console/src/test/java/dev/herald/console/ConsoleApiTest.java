package dev.herald.console;

import static dev.herald.console.testing.TestOutbox.HOSTILE;
import static dev.herald.console.testing.TestOutbox.HOSTILE_ERROR;
import static dev.herald.console.testing.TestOutbox.HOSTILE_ERROR_AS_STORED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Scope;
import dev.herald.Recipient;
import dev.herald.console.testing.Http;
import dev.herald.console.testing.TestOutbox;
import dev.herald.store.Resolution;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** The JSON API over a real outbox (H2 and PostgreSQL) through the JDK server, as a page's script calls it. */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"h2", "postgresql"})
class ConsoleApiTest {
  static final String FID = "fid-SECRET-0123456789abcdef";
  static final String ENDPOINT = "https://push.example.net/wp/SECRET-CAPABILITY-PATH-0123456789";
  static final String P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
  static final String AUTH = "tBHItJI5svbpez7KI4CCXg";

  @Parameter
  String db;

  TestOutbox t;
  EngineStatusListener engine;
  ConsoleServer server;
  Http http;

  @BeforeEach
  void start() {
    t = db.equals("h2") ? TestOutbox.h2() : TestOutbox.postgresOrNull();
    assumeTrue(t != null, "no PostgreSQL: pass -Dherald.test.pg.url (scripts/test does)");
    engine = EngineStatusListener.create();
    server = HeraldConsole.builder(t.outbox.admin()).engineStatus(engine).actionsEnabled(true).build()
        .start(new InetSocketAddress("127.0.0.1", 0));
    http = new Http(server.url());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (t != null) {
      t.close();
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  void overviewCountsPerChannelWithTheEnginesPause() {
    t.kill("dead-1", "m1", new DeviceTarget.FcmToken("tok-1"), "bad");
    t.outbox.enqueue(Notification.builder("due").recipient(Recipient.device(new DeviceTarget.FcmToken("tok-2"))).title("x").build());
    t.outbox.enqueue(Notification.builder("wp").recipient(Recipient.device(new DeviceTarget.WebPushSubscription(ENDPOINT, P256DH, AUTH)))
        .title("x").build());
    engine.channelPaused(Channel.WEB_PUSH, Outcome.channelUnavailable("401", "VAPID key rejected"), Duration.ofSeconds(30));

    Http.Reply r = http.get("api/overview");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    Map<String, Object> o = r.json();
    assertThat(o.get("engineAttached")).isEqualTo(true);
    assertThat(o.get("partial")).isEqualTo(false);
    List<Map<String, Object>> channels = list(o.get("channels"));
    assertThat(channels).extracting(c -> c.get("channel")).containsExactly("fcm", "webpush");
    Map<String, Object> fcm = channels.get(0);
    assertThat(((Number) fcm.get("pending")).longValue()).isEqualTo(1);
    assertThat(((Number) fcm.get("dueNow")).longValue()).isEqualTo(1);
    assertThat(((Number) fcm.get("dead")).longValue()).isEqualTo(1);
    assertThat(((Number) fcm.get("deadLastHour")).longValue()).isEqualTo(1);
    assertThat(fcm.get("engine")).isNull();
    Map<String, Object> wp = map(channels.get(1).get("engine"));
    assertThat(wp.get("paused")).isEqualTo(true);
    assertThat((String) wp.get("reason")).contains("VAPID key rejected");
    assertThat(Instant.parse((String) wp.get("nextProbe"))).isAfter(Instant.now());
    assertThat(wp.get("valveTripped")).isEqualTo(false);
    assertThat(list(o.get("throughput"))).singleElement().satisfies(m -> assertThat(((Number) m.get("failed")).longValue()).isEqualTo(1));
    assertThat(r.body()).doesNotContain(ENDPOINT).doesNotContain("SECRET");
  }

  @Test
  void aChannelStaysPausedWhileAnyOfItsScopesIsAndTheOverviewNamesThem() throws Exception {
    Scope apple = Scope.of(Channel.WEB_PUSH, "https://web.push.apple.com#main");
    Scope mozilla = Scope.of(Channel.WEB_PUSH, "https://updates.push.services.mozilla.com#main");
    engine.scopePaused(apple, Outcome.channelUnavailable("403", "BadJwtToken"), Duration.ofSeconds(60));
    engine.scopePaused(mozilla, Outcome.targetGone("410", "gone"), Duration.ofSeconds(30));
    engine.scopeResumed(mozilla);

    Map<String, Object> wp = map(list(http.get("api/overview").json().get("channels")).stream()
        .filter(c -> "webpush".equals(c.get("channel"))).findFirst().orElseThrow().get("engine"));
    assertThat(wp.get("paused")).isEqualTo(true);
    assertThat((String) wp.get("reason")).contains("https://web.push.apple.com#main").contains("BadJwtToken")
        .doesNotContain("mozilla");
    assertThat(list(wp.get("pausedScopes"))).singleElement().satisfies(p -> {
      assertThat(p.get("scope")).isEqualTo("https://web.push.apple.com#main");
      assertThat(p.get("valveTripped")).isEqualTo(false);
    });

    engine.scopeResumed(apple);
    wp = map(list(http.get("api/overview").json().get("channels")).stream()
        .filter(c -> "webpush".equals(c.get("channel"))).findFirst().orElseThrow().get("engine"));
    assertThat(wp.get("paused")).isEqualTo(false);
    assertThat(list(wp.get("pausedScopes"))).isEmpty();
  }

  @Test
  void recipientTimelineAnswersWhyNothingArrivedWithHostileTextEscaped() {
    t.outbox.register(HOSTILE, new DeviceTarget.FcmInstallation(FID));
    t.outbox.register(HOSTILE, new DeviceTarget.WebPushSubscription(ENDPOINT, P256DH, AUTH));
    t.outbox.enqueue(Notification.builder("k-" + HOSTILE).recipient(Recipient.id(HOSTILE)).title(HOSTILE).build());
    t.settle(Channel.FCM, c -> new Resolution.TargetGone((Outcome.TargetGone) Outcome.targetGone("UNREGISTERED", HOSTILE_ERROR), true));

    Http.Reply r = http.get("api/recipient?id=" + enc(HOSTILE));

    assertThat(r.status()).isEqualTo(200);
    // Inert wherever it lands: no raw markup characters in the JSON text, the values intact once decoded.
    assertThat(r.body()).doesNotContain("<").doesNotContain(">").doesNotContain("\u202E").contains("\\u003c");
    Map<String, Object> o = r.json();
    assertThat(o.get("recipientId")).isEqualTo(HOSTILE);
    List<Map<String, Object>> devices = list(o.get("devices"));
    assertThat(devices).hasSize(2);
    Map<String, Object> phone = devices.stream().filter(d -> d.get("kind").equals("fid")).findFirst().orElseThrow();
    assertThat(phone.get("status")).isEqualTo("INVALID");
    assertThat((String) phone.get("invalidReason")).contains(HOSTILE_ERROR_AS_STORED);
    assertThat(phone.get("lastSeenAt")).isNotNull();
    Map<String, Object> note = list(o.get("notifications")).get(0);
    assertThat(note.get("key")).isEqualTo("k-" + HOSTILE);
    assertThat(note.get("title")).isEqualTo(HOSTILE);
    assertThat(note.get("dueAt")).isNotNull();
    Map<String, Object> gone = list(note.get("deliveries")).stream().filter(d -> d.get("state").equals("TARGET_GONE"))
        .findFirst().orElseThrow();
    assertThat(gone.get("lastError")).isEqualTo("UNREGISTERED: " + HOSTILE_ERROR_AS_STORED);
    assertThat(((Number) gone.get("attempts")).intValue()).isEqualTo(1);
    // Tokens and endpoints are redacted as everywhere else in Herald.
    assertThat(r.body()).doesNotContain(FID).doesNotContain(ENDPOINT).doesNotContain("SECRET-CAPABILITY").doesNotContain(P256DH)
        .doesNotContain(AUTH);
  }

  @Test
  void recipientTimelinePagesByNotificationId() {
    for (int i = 0; i < 25; i++) {
      t.outbox.enqueue(Notification.builder("n-" + i).recipient(Recipient.id("pager")).title("t").build());
    }
    Map<String, Object> first = http.get("api/recipient?id=pager").json();
    assertThat(list(first.get("notifications"))).hasSize(20).first().satisfies(n -> assertThat(n.get("key")).isEqualTo("n-24"));
    Object before = first.get("nextBefore");
    assertThat(before).isNotNull();
    Map<String, Object> second = http.get("api/recipient?id=pager&before=" + before).json();
    assertThat(list(second.get("notifications"))).extracting(n -> n.get("key")).containsExactly("n-4", "n-3", "n-2", "n-1", "n-0");
    assertThat(second.get("nextBefore")).isNull();
  }

  @Test
  void notificationByKeyOrIdAndClearErrorsForBadInput() {
    long id = t.outbox.enqueue(Notification.builder(HOSTILE).recipient(Recipient.id("r")).title("hello").build()).notificationId();

    Map<String, Object> byKey = map(http.get("api/notification?key=" + enc(HOSTILE)).json().get("notification"));
    assertThat(((Number) byKey.get("id")).longValue()).isEqualTo(id);
    assertThat(byKey.get("key")).isEqualTo(HOSTILE);
    assertThat(byKey.get("state")).isEqualTo("PENDING");
    assertThat(map(http.get("api/notification?id=" + id).json().get("notification")).get("key")).isEqualTo(HOSTILE);

    Http.Reply missing = http.get("api/notification?key=nope");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().get("error")).isEqualTo("no notification with this key");
    assertThat(http.get("api/notification?id=12x").status()).isEqualTo(400);
    assertThat(http.get("api/notification?id=-1").status()).isEqualTo(400);
    assertThat(http.get("api/notification").status()).isEqualTo(400);
    assertThat(http.get("api/notification?key=" + "k".repeat(256)).json().get("error"))
        .isEqualTo("key must be at most 255 characters: 256");
    assertThat(http.get("api/recipient?id=" + enc("bad\u0001id")).json().get("error"))
        .isEqualTo("recipient id must be 1-255 printable characters");
    assertThat(http.get("api/dead?channel=" + enc("NOT A CHANNEL")).status()).isEqualTo(400);
    assertThat(http.get("api/dead?from=yesterday").json().get("error")).asString().startsWith("from must be an ISO-8601 instant");
    assertThat(http.get("api/dead?from=2030-01-01T00:00:00Z&before=2029-01-01T00:00:00Z").status()).isEqualTo(400);
    assertThat(http.get("api/dead?afterAt=2030-01-01T00:00:00Z").json().get("error")).isEqualTo("afterAt and afterId go together");
    assertThat(http.get("api/nothing-here").status()).isEqualTo(404);
  }

  @Test
  void deadLettersFilterPageAndCount() {
    for (int i = 0; i < 55; i++) {
      t.kill("bulk-" + i, "bulk", new DeviceTarget.FcmToken("bulk-phone"), "quota " + i);
    }
    t.kill("other", HOSTILE, new DeviceTarget.FcmToken("other-phone"), HOSTILE_ERROR);

    Map<String, Object> page1 = http.get("api/dead").json();
    List<Map<String, Object>> rows = new ArrayList<>(list(page1.get("deadLetters")));
    assertThat(rows).hasSize(50);
    assertThat(rows.get(0).get("key")).as("newest first").isEqualTo("other");
    assertThat(rows.get(0).get("lastError")).isEqualTo("400: " + HOSTILE_ERROR_AS_STORED);
    assertThat(rows.get(0).get("recipientId")).isEqualTo(HOSTILE);
    Map<String, Object> next = map(page1.get("next"));
    Map<String, Object> page2 = http.get("api/dead?afterAt=" + enc((String) next.get("afterAt")) + "&afterId=" + next.get("afterId")).json();
    rows.addAll(list(page2.get("deadLetters")));
    assertThat(page2.get("next")).isNull();
    assertThat(rows).extracting(r -> r.get("deliveryId")).doesNotHaveDuplicates().hasSize(56);

    assertThat(list(http.get("api/dead?recipient=" + enc(HOSTILE)).json().get("deadLetters"))).hasSize(1);
    assertThat(list(http.get("api/dead?key=bulk-3&channel=fcm").json().get("deadLetters"))).hasSize(1);
    assertThat(list(http.get("api/dead?channel=webpush").json().get("deadLetters"))).isEmpty();
    Map<String, Object> count = http.get("api/dead/count?recipient=bulk").json();
    assertThat(((Number) count.get("count")).intValue()).isEqualTo(55);
    assertThat(count.get("capped")).isEqualTo(false);
    assertThat(Instant.parse((String) count.get("at"))).isBefore(Instant.now().plusSeconds(60));
  }

  @Test
  void databaseOutageAnswers503AndThePagesStillLoad() {
    t.dataSource.close();
    Http.Reply r = http.get("api/overview");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.json().get("error")).asString().startsWith("the outbox database is unavailable");
    assertThat(http.get("api/recipient?id=x").status()).isEqualTo(503);
    assertThat(http.get("").status()).isEqualTo(200);
    assertThat(http.get("assets/console.js").status()).isEqualTo(200);
  }
}
