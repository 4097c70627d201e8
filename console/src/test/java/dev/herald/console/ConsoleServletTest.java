package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.DeviceTarget;
import dev.herald.console.testing.Http;
import dev.herald.console.testing.TestOutbox;
import dev.herald.outbox.jdbc.DeadLetterQuery;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console as a servlet in a real container (Jetty 12, Servlet 6.1), mounted below a context path. */
class ConsoleServletTest {
  TestOutbox t;
  Server jetty;
  final List<String> users = new CopyOnWriteArrayList<>();
  URI root;

  @BeforeEach
  void start() throws Exception {
    t = TestOutbox.h2();
    t.kill("dead-1", "member-1", new DeviceTarget.FcmToken("phone-1"), "rejected");
    HeraldConsole guarded = HeraldConsole.builder(t.outbox.admin()).actionsEnabled(true).authorization(r -> {
      String user = r.unwrap(HttpServletRequest.class).map(h -> h.getHeader("X-Remote-User")).orElse(null);
      users.add(r.path() + " " + user);
      return "ops".equals(user);
    }).build();
    HeraldConsole open = HeraldConsole.builder(t.outbox.admin()).build();

    jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    context.addServlet(new ServletHolder(guarded.servlet()), "/ops/herald/*");
    // A container-created servlet takes its console from the context attribute.
    context.setAttribute(HeraldConsoleServlet.CONSOLE_ATTRIBUTE, open);
    context.addServlet(HeraldConsoleServlet.class, "/view/*");
    jetty.setHandler(context);
    jetty.start();
    root = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app/");
  }

  @AfterEach
  void stop() throws Exception {
    jetty.stop();
    t.close();
  }

  @Test
  void mountedUnderAPathWithTheHooksDecisionOnEveryRequest() {
    Http app = new Http(root);
    Http.Reply redirect = app.get("ops/herald", "X-Remote-User", "ops");
    assertThat(redirect.status()).isEqualTo(308);
    assertThat(redirect.header("Location")).isEqualTo("herald/");

    Http console = new Http(root.resolve("ops/herald/"));
    assertThat(console.get("", "X-Remote-User", "ops").body()).contains("<body data-page=\"overview\">");
    assertThat(console.get("dead", "X-Remote-User", "ops").body()).contains("<body data-page=\"dead\">");
    assertThat(console.get("assets/console.js", "X-Remote-User", "ops").header("Content-Type")).startsWith("text/javascript");
    assertThat(console.get("api/overview", "X-Remote-User", "ops").json().get("channels")).asList().hasSize(1);
    assertThat(console.get("api/overview", "X-Remote-User", "mallory").status()).isEqualTo(403);
    assertThat(console.get("api/overview").status()).isEqualTo(403);
    assertThat(users).contains("/api/overview ops", "/api/overview mallory", "/api/overview null");
  }

  @Test
  void aReQueueThroughTheServletWithTheCookiesPathAndToken() {
    Http console = new Http(root.resolve("ops/herald/"));
    Http.Reply s = console.get("api/session", "X-Remote-User", "ops");
    assertThat(s.header("Set-Cookie")).contains("Path=/app/ops/herald");
    String cookie = s.header("Set-Cookie").split(";")[0];
    long id = t.outbox.admin().deadLetters(DeadLetterQuery.all()).get(0).deliveryId();

    Http.Reply r = console.post("api/dead/requeue", "ids=" + id, "Content-Type", "application/x-www-form-urlencoded",
        "Cookie", cookie, "X-Herald-Csrf", (String) s.json().get("csrfToken"), "X-Remote-User", "ops");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("requeued")).isEqualTo(1L);
    assertThat(t.outbox.admin().deadLetters(DeadLetterQuery.all())).isEmpty();
  }

  @Test
  void aContainerCreatedServletWithoutAHookServesLoopbackAndStaysReadOnly() {
    Http view = new Http(root.resolve("view/"));
    assertThat(view.get("api/dead").json().get("deadLetters")).asList().hasSize(1);
    assertThat(view.get("api/session").json().get("actionsEnabled")).isEqualTo(false);
    assertThat(view.post("api/dead/requeue", "ids=1", "Content-Type", "application/x-www-form-urlencoded").status()).isEqualTo(403);
    assertThat(view.get("api/dead/requeue").status()).isEqualTo(405);
    assertThat(view.get("nothing").status()).isEqualTo(404);
  }
}
