package dev.herald.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.spring.boot.TransactionalHerald;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Shutdown follows Spring Boot's graceful shutdown: a request still running when the application is
 * told to stop finishes, and what it enqueues is stored, because Herald stops only after the web
 * server has let its running requests end.
 */
class GracefulShutdownTest {

  @Test
  void aRequestRunningAtShutdownStillEnqueues() throws Exception {
    String url = "jdbc:h2:mem:graceful_" + UUID.randomUUID().toString().substring(0, 8)
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
    CountDownLatch entered = new CountDownLatch(1);
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(ScheduleRemindersApplication.class)
        .initializers(new SimulatedPushServices.Initializer(), c -> ((GenericApplicationContext) c).registerBean(
            "slowEndpoint", RouterFunction.class, () -> slowEndpoint(c, entered)))
        .run("--server.port=0", "--spring.datasource.url=" + url, "--server.shutdown=graceful");
    int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
    CompletableFuture<HttpResponse<String>> answer = HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow-reminder")).timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(entered.await(60, TimeUnit.SECONDS)).as("the request is running").isTrue();

    CompletableFuture<Void> closing = CompletableFuture.runAsync(ctx::close);
    HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
    closing.get(60, TimeUnit.SECONDS);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    try (Connection c = DriverManager.getConnection(url, "sa", "");
         PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM herald_notification WHERE idempotency_key = ?")) {
      ps.setString(1, "enqueued-during-shutdown");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  /** An endpoint that is still working when shutdown begins, and enqueues at its end. */
  private static RouterFunction<ServerResponse> slowEndpoint(ConfigurableApplicationContext c, CountDownLatch entered) {
    return RouterFunctions.route().POST("/slow-reminder", request -> {
      entered.countDown();
      Thread.sleep(1500); // shutdown begins meanwhile
      TransactionalHerald herald = c.getBean(TransactionalHerald.class);
      new TransactionTemplate(c.getBean(PlatformTransactionManager.class)).executeWithoutResult(s ->
          herald.enqueue(Notification.builder("enqueued-during-shutdown").recipient(Recipient.id("member-7"))
              .title("Still stored").build()));
      return ServerResponse.ok().body("enqueued");
    }).build();
  }
}
