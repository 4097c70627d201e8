package dev.herald.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Delivery;
import dev.herald.Outcome;
import dev.herald.spi.Transport;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** What the examples share: an embedded H2 database and a transport that prints instead of pushing. */
final class ExampleSupport {
  private ExampleSupport() {}

  /** A pooled in-memory H2 database in PostgreSQL mode, Herald's embedded default. */
  static HikariDataSource h2(String name) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl("jdbc:h2:mem:" + name + "-" + System.nanoTime()
        + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    c.setMaximumPoolSize(8);
    return new HikariDataSource(c);
  }

  /** A pooled PostgreSQL connection (URL with user and password parameters). */
  static HikariDataSource postgres(String jdbcUrl) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl);
    c.setMaximumPoolSize(8);
    return new HikariDataSource(c);
  }

  /** Prints each send and answers with {@code answer}; counts sends per notification key. */
  static final class ConsoleTransport implements Transport {
    private final Channel channel;
    private final PrintStream out;
    private final Function<Delivery, Outcome> answer;
    final AtomicInteger sends = new AtomicInteger();
    final Set<String> keys = ConcurrentHashMap.newKeySet();

    ConsoleTransport(Channel channel, PrintStream out, Function<Delivery, Outcome> answer) {
      this.channel = channel;
      this.out = out;
      this.answer = answer;
    }

    ConsoleTransport(Channel channel, PrintStream out) {
      this(channel, out, d -> Outcome.delivered("console-" + d.deliveryId()));
    }

    @Override
    public Channel channel() {
      return channel;
    }

    @Override
    public CompletionStage<Outcome> send(Delivery d) {
      sends.incrementAndGet();
      keys.add(d.notificationKey());
      Outcome o = answer.apply(d);
      if (out != null) {
        out.println("  push -> " + d.target() + ": \"" + d.content().title() + "\" => " + o.describe());
      }
      return CompletableFuture.completedFuture(o);
    }
  }
}
