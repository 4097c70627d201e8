package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.herald.DeviceTarget;
import dev.herald.console.internal.ConsoleHandler;
import dev.herald.console.internal.Exchange;
import dev.herald.console.testing.Http;
import dev.herald.console.testing.TestOutbox;
import dev.herald.outbox.jdbc.DeadLetterQuery;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who may see and do what: the authorization hook, the loopback rule, read-only mode, CSRF, headers, bounds. */
class ConsoleSecurityTest {
  TestOutbox t;
  final List<ConsoleServer> servers = new ArrayList<>();

  @BeforeEach
  void setUp() {
    t = TestOutbox.h2();
    t.kill("dead-1", "member-1", new DeviceTarget.FcmToken("phone-1"), "rejected");
  }

  @AfterEach
  void tearDown() {
    servers.forEach(ConsoleServer::close);
    t.close();
  }

  private Http start(HeraldConsole console) {
    ConsoleServer s = console.start(new InetSocketAddress("127.0.0.1", 0));
    servers.add(s);
    return new Http(s.url());
  }

  private long deadId() {
    return t.outbox.admin().deadLetters(DeadLetterQuery.all()).get(0).deliveryId();
  }

  private static Http.Reply requeue(Http http, String body, String... headers) {
    List<String> h = new ArrayList<>(List.of("Content-Type", "application/x-www-form-urlencoded"));
    h.addAll(List.of(headers));
    return http.post("api/dead/requeue", body, h.toArray(new String[0]));
  }

  @Test
  void withoutAHookTheServerRefusesToListenOnANonLoopbackAddress() {
    HeraldConsole console = HeraldConsole.builder(t.outbox.admin()).build();
    assertThatThrownBy(() -> console.start(new InetSocketAddress("0.0.0.0", 0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refuses to start on the non-loopback address 0.0.0.0 without an authorization hook");
    // With a hook it is the host's decision.
    ConsoleServer s = HeraldConsole.builder(t.outbox.admin()).authorization(r -> true).build()
        .start(new InetSocketAddress("0.0.0.0", 0));
    servers.add(s);
    assertThat(s.address().getPort()).isPositive();
  }

  @Test
  void withoutAHookOnlyLoopbackRequestsAreServedWhereverTheHandlerIsMounted() throws IOException {
    ConsoleHandler h = HeraldConsole.builder(t.outbox.admin()).build().handler();
    FakeExchange local = new FakeExchange("GET", "/api/overview", InetAddress.getLoopbackAddress(), InetAddress.getLoopbackAddress());
    h.handle(local);
    assertThat(local.status).isEqualTo(200);
    FakeExchange lan = new FakeExchange("GET", "/api/overview", InetAddress.getByName("192.0.2.10"), InetAddress.getByName("192.0.2.1"));
    h.handle(lan);
    assertThat(lan.status).isEqualTo(403);
    assertThat(lan.body).contains("answers loopback requests only").doesNotContain("channels");
    FakeExchange proxied = new FakeExchange("GET", "/", InetAddress.getByName("192.0.2.10"), InetAddress.getLoopbackAddress());
    h.handle(proxied);
    assertThat(proxied.status).as("arrived on a public address").isEqualTo(403);
  }

  @Test
  void theHookSeesEveryRequestBeforeAnythingIsReadAndARefusalRevealsNothing() {
    List<String> seen = new CopyOnWriteArrayList<>();
    Http http = start(HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true).authorization(r -> {
      seen.add(r.method() + " " + r.path() + " action=" + r.action() + " exchange=" + r.unwrap(HttpExchange.class).isPresent()
          + " user=" + r.header("X-User").orElse("-"));
      return r.header("X-User").map(u -> u.equals("ops") || (u.equals("viewer") && !r.action())).orElse(false);
    }).build());

    for (String path : List.of("", "assets/console.js", "api/overview", "api/dead", "no-such-path")) {
      Http.Reply r = http.get(path);
      assertThat(r.status()).as(path).isEqualTo(403);
      assertThat(r.json().get("error")).isEqualTo("not permitted");
    }
    assertThat(http.get("api/overview", "X-User", "viewer").status()).isEqualTo(200);
    assertThat(seen).contains("GET /api/overview action=false exchange=true user=viewer");
  }

  /** A browser's session: the cookie and the token the page's script would send. */
  private static String[] session(Http http, String... headers) {
    Http.Reply s = http.get("api/session", headers);
    return new String[] {s.header("Set-Cookie").split(";")[0], (String) s.json().get("csrfToken")};
  }

  @Test
  void actionsAreAskedOfTheHookAsActions() {
    Http http = start(HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true)
        .authorization(r -> r.header("X-User").map(u -> u.equals("ops") || (u.equals("viewer") && !r.action())).orElse(false))
        .build());
    String[] s = session(http, "X-User", "viewer");
    Http.Reply refused = requeue(http, "ids=" + deadId(), "Cookie", s[0], "X-Herald-Csrf", s[1], "X-User", "viewer");
    assertThat(refused.status()).isEqualTo(403);
    assertThat(t.outbox.admin().deadLetters(DeadLetterQuery.all())).hasSize(1);
    Http.Reply done = requeue(http, "ids=" + deadId(), "Cookie", s[0], "X-Herald-Csrf", s[1], "X-User", "ops");
    assertThat(done.status()).isEqualTo(200);
    assertThat(done.json().get("requeued")).isEqualTo(1L);
  }

  @Test
  void aHookThatThrowsRefuses() {
    Http http = start(HeraldConsole.builder(t.outbox.admin()).authorization(r -> {
      throw new IllegalStateException("identity provider down");
    }).build());
    assertThat(http.get("api/overview").status()).isEqualTo(403);
  }

  @Test
  void readOnlyByDefault() {
    Http http = start(HeraldConsole.builder(t.outbox.admin()).build());
    Map<String, Object> s = http.get("api/session").json();
    assertThat(s.get("actionsEnabled")).isEqualTo(false);
    assertThat(s.get("csrfToken")).isNull();
    Http.Reply r = requeue(http, "ids=" + deadId());
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.json().get("error")).isEqualTo("actions are disabled: this console is read-only");
    assertThat(t.outbox.admin().deadLetters(DeadLetterQuery.all())).hasSize(1);
  }

  @Test
  void anActionNeedsTheTokenOfItsOwnCookieASameOriginAndAFormBody() {
    Http http = start(HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true).build());
    String[] a = session(http);
    String[] b = session(http);
    String body = "ids=" + deadId();
    String origin = "http://" + servers.get(0).address().getAddress().getHostAddress() + ":" + servers.get(0).address().getPort();

    assertThat(requeue(http, body).json().get("error")).isEqualTo("missing or invalid CSRF token: reload the page");
    assertThat(requeue(http, body, "Cookie", a[0]).status()).isEqualTo(403);
    assertThat(requeue(http, body, "X-Herald-Csrf", a[1]).status()).as("token without its cookie").isEqualTo(403);
    assertThat(requeue(http, body, "Cookie", a[0], "X-Herald-Csrf", b[1]).status()).as("another cookie's token").isEqualTo(403);
    assertThat(requeue(http, body, "Cookie", a[0], "X-Herald-Csrf", a[1] + "x").status()).isEqualTo(403);
    assertThat(requeue(http, body, "Cookie", a[0], "X-Herald-Csrf", a[1], "Origin", "https://evil.example").json().get("error"))
        .isEqualTo("cross-origin request refused");
    assertThat(requeue(http, body, "Cookie", a[0], "X-Herald-Csrf", a[1], "Origin", "null").status()).isEqualTo(403);
    assertThat(requeue(http, body, "Cookie", a[0], "X-Herald-Csrf", a[1], "Sec-Fetch-Site", "cross-site").status()).isEqualTo(403);
    assertThat(http.post("api/dead/requeue", body, "Content-Type", "text/plain", "Cookie", a[0], "X-Herald-Csrf", a[1]).status())
        .isEqualTo(403);
    assertThat(t.outbox.admin().deadLetters(DeadLetterQuery.all())).as("nothing re-queued yet").hasSize(1);
    assertThat(http.get("api/dead/requeue").status()).isEqualTo(405);

    Http.Reply ok = requeue(http, body, "Cookie", a[0], "X-Herald-Csrf", a[1], "Origin", origin, "Sec-Fetch-Site", "same-origin");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().get("requeued")).isEqualTo(1L);
    assertThat(t.outbox.admin().deadLetters(DeadLetterQuery.all())).isEmpty();
  }

  @Test
  void requeueOfMatchingLettersTakesOnlyWhatWasCounted() throws Exception {
    t.kill("dead-2", "member-1", new DeviceTarget.FcmToken("phone-1"), "rejected");
    Http http = start(HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true).build());
    String[] s = session(http);
    Map<String, Object> count = http.get("api/dead/count?recipient=member-1").json();
    assertThat(count.get("count")).isEqualTo(2L);
    Thread.sleep(20);
    t.kill("dead-3", "member-1", new DeviceTarget.FcmToken("phone-1"), "died after the count");

    Http.Reply r = requeue(http, "match=1&recipient=member-1&asOf=" + count.get("at"), "Cookie", s[0], "X-Herald-Csrf", s[1]);

    assertThat(r.json().get("requeued")).isEqualTo(2L);
    assertThat(t.outbox.admin().deadLetters(DeadLetterQuery.all())).extracting(d -> d.idempotencyKey()).containsExactly("dead-3");
    assertThat(requeue(http, "match=1&recipient=member-1", "Cookie", s[0], "X-Herald-Csrf", s[1]).json().get("error"))
        .asString().startsWith("asOf is required");
    assertThat(requeue(http, "ids=1,x", "Cookie", s[0], "X-Herald-Csrf", s[1]).status()).isEqualTo(400);
    assertThat(requeue(http, "nothing=1", "Cookie", s[0], "X-Herald-Csrf", s[1]).status()).isEqualTo(400);
    assertThat(requeue(http, "ids=" + "1,".repeat(20_000), "Cookie", s[0], "X-Herald-Csrf", s[1]).status()).isEqualTo(413);
  }

  @Test
  void everyResponseCarriesTheProtectiveHeaders() {
    Http http = start(HeraldConsole.builder(t.outbox.admin()).build());
    for (String path : List.of("", "dead", "assets/console.js", "api/overview", "api/nothing")) {
      Http.Reply r = http.get(path);
      assertThat(r.header("Content-Security-Policy")).as(path).contains("script-src 'self'").contains("frame-ancestors 'none'")
          .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
      assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
      assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
      assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    }
    Http.Reply session = http.get("api/session");
    assertThat(session.header("Set-Cookie")).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/herald");
  }

  @Test
  void pathsMethodsAndSizesAreBounded() {
    Http http = start(HeraldConsole.builder(t.outbox.admin()).build());
    ConsoleServer s = servers.get(0);
    Http root = new Http(java.net.URI.create("http://127.0.0.1:" + s.address().getPort() + "/"));
    Http.Reply redirect = root.get("herald");
    assertThat(redirect.status()).isEqualTo(308);
    assertThat(redirect.header("Location")).isEqualTo("herald/");
    assertThat(root.get("heraldx/api/overview").status()).isEqualTo(404);
    assertThat(http.get("api/../api/overview").status()).isIn(200, 404); // normalised by the client or refused
    assertThat(http.get("api/overview?x=" + "a".repeat(5000)).status()).isEqualTo(414);
    assertThat(http.send(HttpRequest.newBuilder(s.url().resolve("api/overview")).method("DELETE", HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10)).build()).status()).isEqualTo(405);
    assertThat(http.post("api/overview", "").status()).isEqualTo(405);
    assertThat(http.get("assets/../../etc/passwd").status()).isIn(403, 404);
  }

  @Test
  void builderValidatesItsSettings() {
    HeraldConsole.Builder b = HeraldConsole.builder(t.outbox.admin());
    assertThatThrownBy(() -> b.csrfSecret(new byte[31])).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("csrfSecret must be at least 32 bytes: 31");
    assertThatThrownBy(() -> b.serverPath("herald")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("serverPath must be /segment");
    assertThatThrownBy(() -> b.serverPath("/a/../b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.serverThreads(0)).isInstanceOf(IllegalArgumentException.class).hasMessage("serverThreads must be 1-64: 0");
    assertThatThrownBy(() -> HeraldConsole.builder(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aSharedCsrfSecretLetsAnotherInstanceAcceptTheToken() {
    byte[] secret = new byte[32];
    Http one = start(HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true).csrfSecret(secret).build());
    Http two = start(HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true).csrfSecret(secret).build());
    String[] s = session(one);
    assertThat(requeue(two, "ids=" + deadId(), "Cookie", s[0], "X-Herald-Csrf", s[1]).status()).isEqualTo(200);
  }

  /** A request arriving on given addresses, for the loopback rule (no real network needed). */
  static final class FakeExchange implements Exchange {
    final String method;
    final String path;
    final InetAddress remote;
    final InetAddress local;
    int status;
    String body;

    FakeExchange(String method, String path, InetAddress remote, InetAddress local) {
      this.method = method;
      this.path = path;
      this.remote = remote;
      this.local = local;
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String mountPath() {
      return "/herald";
    }

    @Override
    public String rawQuery() {
      return null;
    }

    @Override
    public Optional<String> header(String name) {
      return Optional.empty();
    }

    @Override
    public InetAddress remoteAddress() {
      return remote;
    }

    @Override
    public InetAddress localAddress() {
      return local;
    }

    @Override
    public boolean secure() {
      return false;
    }

    @Override
    public byte[] body(int max) {
      return new byte[0];
    }

    @Override
    public void respond(int status, List<Map.Entry<String, String>> headers, byte[] body) {
      this.status = status;
      this.body = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
      return Optional.empty();
    }
  }
}
