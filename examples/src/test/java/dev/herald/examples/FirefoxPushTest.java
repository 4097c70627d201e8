package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.CollapseKeys;
import dev.herald.Content;
import dev.herald.Delivery;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Herald;
import dev.herald.Notification;
import dev.herald.Outcome;
import dev.herald.Recipient;
import dev.herald.RetryPolicy;
import dev.herald.outbox.jdbc.JdbcOutbox;
import dev.herald.spi.InputValidator;
import dev.herald.webpush.EndpointPolicy;
import dev.herald.webpush.PayloadFormat;
import dev.herald.webpush.VapidKeys;
import dev.herald.webpush.WebPushTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What reaches a real browser, end to end: a real, unmodified headless Firefox ESR subscribes
 * through the example page and service worker ({@code examples/browser/}), Herald's engine and Web
 * Push transport send to it through a local stand-in for Mozilla's push service, Firefox decrypts
 * with its own RFC 8291 code and runs the example service worker, which shows the notification and
 * tells open pages once per notification; a test wrapper around it reports each push event to this
 * test. Checked: every message is decrypted and shown with its content and tag; a repeat of a
 * notification (its first send answered slower than the transport's timeout, so the engine sends
 * it again) replaces the shown notification instead of adding one, and the page hears of it once; a
 * body with one bit altered is refused by Firefox (ack 101) and never reaches the service worker,
 * while the same body unaltered does; a Declarative Web Push message reaches a browser without
 * Declarative Web Push through the service worker. Skipped, and says so, only where Firefox is not
 * installed ({@code scripts/test} installs it, like PostgreSQL).
 */
class FirefoxPushTest {
  private static final int MESSAGES = 10;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Path BROWSER_FILES = Files.isDirectory(Path.of("browser")) ? Path.of("browser")
      : Path.of("examples", "browser");
  private static final Path OUT = Path.of("target", "firefox");

  /** A report of the test page or service worker, with when it arrived (System.nanoTime). */
  private record Report(long arrivedNanos, Map<String, Object> json) {
    String type() {
      return String.valueOf(json.get("type"));
    }
  }

  private final BlockingQueue<Map<String, Object>> subscriptions = new LinkedBlockingQueue<>();
  private final List<Report> reports = new CopyOnWriteArrayList<>();

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void firefoxShowsEachNotificationOnceAndNothingTampered() throws Exception {
    Optional<Path> binary = HeadlessFirefox.find();
    if (binary.isEmpty()) {
      String why = "Firefox ESR is not installed (scripts/test installs it with apt-get install firefox-esr): "
          + "the real-browser test FirefoxPushTest is skipped";
      System.out.println(why); // in the build's output, not only in the report
      Assumptions.abort(why);
    }
    Files.createDirectories(OUT);
    VapidKeys vapid = VapidKeys.generate();
    Map<String, Object> figures = new LinkedHashMap<>();
    try (MozillaPushServer push = new MozillaPushServer();
        MockWebServer app = appServer(push);
        HeadlessFirefox firefox = HeadlessFirefox.start(binary.get(), OUT, push.webSocketUrl(),
            "http://localhost:" + app.getPort() + "/harness.html?vapid=" + vapid.publicKeyBase64Url());
        HikariDataSource db = ExampleSupport.h2("firefox")) {
      long launched = System.nanoTime();
      await(Duration.ofSeconds(120), () -> push.helloReceived() || !firefox.alive(),
          () -> "Firefox's push client did not connect:\n" + firefox.logTail());
      assertThat(firefox.alive()).as("Firefox is running").isTrue();
      Map<String, Object> json = subscriptions.poll(150, TimeUnit.SECONDS);
      assertThat(json).as(() -> "no subscription from the example page; page reports " + reports + "\n"
          + firefox.logTail()).isNotNull();
      figures.put("launch to subscription (s)", String.format(java.util.Locale.ROOT, "%.1f",
          (System.nanoTime() - launched) / 1e9));
      Map<String, Object> keys = JSONObjectUtils.getJSONObject(json, "keys");
      DeviceTarget.WebPushSubscription subscription = new DeviceTarget.WebPushSubscription(
          (String) json.get("endpoint"), (String) keys.get("p256dh"), (String) keys.get("auth"));
      String channel = push.channelOf(subscription.endpoint());

      WebPushTransport webPush = transport(vapid, PayloadFormat.serviceWorker());
      JdbcOutbox outbox = JdbcOutbox.builder(db).validator(InputValidator.of(List.of(webPush))).build();
      outbox.migrate();
      Herald herald = Herald.builder().store(outbox).deviceRegistry(outbox).transport(webPush)
          .pollInterval(Duration.ofMillis(100))
          .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofMillis(200)).maxDelay(Duration.ofSeconds(1)).build())
          .build();
      herald.start();
      try {
        herald.devices().register("firefox-user", subscription);

        // Every message: decrypted by Firefox, handed to the service worker, shown with its tag.
        List<Long> sendToWorkerMillis = new ArrayList<>();
        List<Long> enqueueToWorkerMillis = new ArrayList<>();
        for (int i = 1; i <= MESSAGES; i++) {
          String key = "reminder-" + i;
          long enqueued = System.nanoTime();
          herald.enqueue(note(key, "Reminder " + i, "Your schedule " + i + " starts now"));
          Report r = awaitPush(CollapseKeys.fromIdempotencyKey(key), 1, firefox);
          MozillaPushServer.Forwarded f = push.forwarded().get(push.forwarded().size() - 1);
          sendToWorkerMillis.add(TimeUnit.NANOSECONDS.toMillis(r.arrivedNanos() - f.receivedNanos()));
          enqueueToWorkerMillis.add(TimeUnit.NANOSECONDS.toMillis(r.arrivedNanos() - enqueued));
          Map<String, Object> message = JSONObjectUtils.parse((String) r.json().get("text"));
          assertThat(message).containsEntry("title", "Reminder " + i).containsEntry("body", "Your schedule " + i
              + " starts now").containsEntry("tag", CollapseKeys.fromIdempotencyKey(key));
          String title = "Reminder " + i;
          assertThat(shownWithTag(r, CollapseKeys.fromIdempotencyKey(key))).hasSize(1)
              .allSatisfy(n -> assertThat(n).containsEntry("title", title));
          // One at a time: recorded as delivered before the next, so nothing else is in flight.
          await(WAIT, () -> delivered(herald, key), () -> key + " not recorded as delivered");
        }
        for (MozillaPushServer.Forwarded f : push.forwarded()) {
          await(Duration.ofSeconds(20), () -> push.ack(f.version()) != null, () -> "no ack for " + f.version());
          assertThat(push.ack(f.version()).code()).as("Firefox's ack").isEqualTo(100);
        }

        // A repeat: the first send is taken in but answered after the transport's timeout, so the
        // engine sends it again; on screen the second copy replaces the first.
        String repeatKey = "schedule-42:starts";
        String repeatId = CollapseKeys.fromIdempotencyKey(repeatKey);
        push.answerNextSlowly(CALL_TIMEOUT.plusSeconds(3));
        herald.enqueue(note(repeatKey, "Your schedule starts now", "Standup in room 3"));
        Report second = awaitPush(repeatId, 2, firefox);
        assertThat(shownWithTag(second, repeatId)).as("notifications shown with the repeated tag").hasSize(1);
        List<Map<String, Object>> shown = notifications(second);
        assertThat(shown).as("notifications shown in all").hasSize(MESSAGES + 1);
        await(WAIT, () -> delivered(herald, repeatKey), () -> repeatKey + " not recorded as delivered");

        // One bit altered anywhere in the encrypted body: Firefox refuses it, the worker never sees it.
        Delivery tampered = new Delivery(1, "tampered", 1, subscription, Content.of("Tampered", "one bit off"),
            DeliveryOptions.DEFAULTS, CollapseKeys.fromIdempotencyKey("tampered"), null);
        byte[] body = body(webPush, tampered);
        Map<String, Integer> refused = new LinkedHashMap<>();
        int[][] bits = {{3, 0}, {40, 2}, {90, 5}, {body.length - 1, 7}}; // salt, sender key, ciphertext, GCM tag
        String[] where = {"salt", "sender key", "ciphertext", "authentication tag"};
        for (int b = 0; b < bits.length; b++) {
          byte[] altered = body.clone();
          altered[bits[b][0]] ^= (byte) (1 << bits[b][1]);
          String version = push.deliver(channel, altered);
          await(Duration.ofSeconds(30), () -> push.ack(version) != null, () -> "no ack for the altered message");
          refused.put(where[b], push.ack(version).code());
        }
        String unaltered = push.deliver(channel, body);
        awaitPush(CollapseKeys.fromIdempotencyKey("tampered"), 1, firefox);
        assertThat(refused).as("Firefox's acks of bodies with one bit altered (101: decryption failed)")
            .allSatisfy((part, code) -> assertThat(code).as(part).isEqualTo(101));
        assertThat(push.ack(unaltered)).isNotNull();
        assertThat(pushes(CollapseKeys.fromIdempotencyKey("tampered"))).as("pushes that reached the worker").hasSize(1);
        assertThat(pushes(null).stream().filter(p -> p.json().get("text") == null)).as("pushes without data").isEmpty();

        // Declarative Web Push, to a browser without it: the example service worker shows it all the same.
        try (WebPushTransport declarative = transport(vapid,
            PayloadFormat.declarative(URI.create("https://herald.dev/notifications")))) {
          String id = CollapseKeys.fromIdempotencyKey("declared");
          Outcome o = declarative.send(new Delivery(2, "declared", 1, subscription, Content.of("Declared", "no worker needed"),
              DeliveryOptions.DEFAULTS, id, null)).toCompletableFuture().get(30, TimeUnit.SECONDS);
          assertThat(o).isInstanceOf(Outcome.Delivered.class);
          Report r = awaitPush(id, 1, firefox);
          assertThat(JSONObjectUtils.parse((String) r.json().get("text"))).containsEntry("web_push", 8030L);
          assertThat(shownWithTag(r, id)).hasSize(1).allSatisfy(n -> assertThat(n).containsEntry("title", "Declared"));
        }

        // The app heard of each notification once, the repeated one too (long after its second copy).
        for (int i = 1; i <= MESSAGES; i++) {
          assertThat(pageMessages(CollapseKeys.fromIdempotencyKey("reminder-" + i))).as("page messages of reminder-" + i)
              .isEqualTo(1);
        }
        assertThat(pageMessages(repeatId)).as("page messages of the repeated notification").isEqualTo(1);
        assertThat(push.violations()).as("what the push service refused").isEmpty();
        assertThat(reports.stream().filter(r -> r.type().equals("push")))
            .allSatisfy(r -> assertThat((List<?>) r.json().get("failures")).as("service worker failures").isEmpty());

        List<Long> sorted = sendToWorkerMillis.stream().sorted().toList();
        figures.put("browser", HeadlessFirefox.version(binary.get()));
        figures.put("messages decrypted and shown by the service worker", pushes(null).size());
        figures.put("messages sent twice (repeat) / notifications shown for it", "1 / 1");
        figures.put("bodies with one bit altered / reached the service worker", bits.length + " / 0");
        figures.put("send to service worker, median (ms)", sorted.get(sorted.size() / 2));
        figures.put("send to service worker, max (ms)", sorted.get(sorted.size() - 1));
        figures.put("enqueue to service worker, median (ms)",
            enqueueToWorkerMillis.stream().sorted().toList().get(MESSAGES / 2));
      } finally {
        herald.close();
        outbox.close();
        writeFigures(figures);
      }
    }
  }

  private static boolean delivered(Herald herald, String key) {
    return herald.find(key).map(s -> s.state() == dev.herald.DeliveryState.DELIVERED).orElse(false);
  }

  private static Notification note(String key, String title, String body) {
    return Notification.builder(key).recipient(Recipient.id("firefox-user")).title(title).body(body).build();
  }

  private static WebPushTransport transport(VapidKeys vapid, PayloadFormat format) {
    return WebPushTransport.builder().vapidKeys(vapid).subject("mailto:ops@herald.dev")
        .endpointPolicy(EndpointPolicy.builder().allowHttp(true).allowLoopback(true).build())
        .connectTimeout(CALL_TIMEOUT).callTimeout(CALL_TIMEOUT).payloadFormat(format).build();
  }

  private static byte[] body(WebPushTransport webPush, Delivery d) throws IOException {
    Buffer b = new Buffer();
    Objects.requireNonNull(webPush.prepareRequest(d).body()).writeTo(b);
    return b.readByteArray();
  }

  /** Waits until the worker has reported {@code count} push events of the notification {@code id}; returns the last. */
  private Report awaitPush(String id, int count, HeadlessFirefox firefox) {
    await(WAIT, () -> pushes(id).size() >= count, () -> "the service worker reported " + pushes(id).size() + " of "
        + count + " pushes of " + id + "; reports " + reports + "\n" + firefox.logTail());
    List<Report> of = pushes(id);
    return of.get(of.size() - 1);
  }

  private List<Report> pushes(String id) {
    Predicate<Report> ofId = r -> {
      if (id == null) {
        return true;
      }
      Object text = r.json().get("text");
      return text instanceof String s && s.contains("\"herald_id\":\"" + id + "\"");
    };
    return reports.stream().filter(r -> r.type().equals("push")).filter(ofId).toList();
  }

  private long pageMessages(String id) {
    return reports.stream().filter(r -> r.type().equals("page-message"))
        .filter(r -> String.valueOf(r.json().get("data")).contains(id)).count();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> notifications(Report r) {
    return (List<Map<String, Object>>) r.json().get("notifications");
  }

  private static List<Map<String, Object>> shownWithTag(Report r, String tag) {
    return notifications(r).stream().filter(n -> tag.equals(n.get("tag"))).toList();
  }

  private static void await(Duration timeout, BooleanSupplier condition, Supplier<String> failure) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(failure.get());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** The example page and service worker, unchanged, the test's wrapper page and worker, and where they report. */
  private MockWebServer appServer(MozillaPushServer push) throws IOException {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        try {
          return switch (path) {
            case "/harness.html" -> file("text/html", resource("firefox/harness.html"));
            case "/sw.js" -> file("application/javascript", resource("firefox/sw-under-test.js"));
            case "/index.html" -> file("text/html", Files.readString(BROWSER_FILES.resolve("index.html")));
            case "/example/sw.js" -> file("application/javascript", Files.readString(BROWSER_FILES.resolve("sw.js")));
            case "/ready" -> file("text/plain", push.helloReceived() ? "yes" : "no");
            case "/api/push-subscriptions" -> {
              subscriptions.add(JSONObjectUtils.parse(request.getBody().utf8()));
              yield new MockResponse.Builder().code(201).build();
            }
            case "/report" -> {
              reports.add(new Report(System.nanoTime(), JSONObjectUtils.parse(request.getBody().utf8())));
              yield new MockResponse.Builder().code(204).build();
            }
            default -> new MockResponse.Builder().code(404).build();
          };
        } catch (IOException | java.text.ParseException e) {
          return new MockResponse.Builder().code(500).body(e.toString()).build();
        }
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  private static MockResponse file(String type, String content) {
    return new MockResponse.Builder().code(200).addHeader("Content-Type", type + "; charset=utf-8")
        .addHeader("Cache-Control", "no-store").body(content).build();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = FirefoxPushTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void writeFigures(Map<String, Object> figures) {
    StringBuilder sb = new StringBuilder();
    figures.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    System.out.print("---- Firefox figures\n" + sb);
    try {
      Files.writeString(OUT.resolve("figures.properties"), sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
