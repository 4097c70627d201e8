package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.EnqueueResult;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.Transport;
import org.jdbi.v3.core.Jdbi;
import java.io.PrintStream;

/**
 * Enqueue inside a jdbi transaction, and what an event consumer that sees the same event twice
 * gets: one notification, the second enqueue reported as a duplicate.
 */
public final class TransactionalEnqueueJdbi {
  private TransactionalEnqueueJdbi() {}

  /** Runs the example against an embedded H2. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Returns the results of the first and the repeated enqueue. */
  static EnqueueResult[] run(PrintStream out) {
    try (HikariDataSource db = ExampleSupport.h2("jdbi-enqueue")) {
      // The transports the engines use check targets and content before anything is stored; this
      // example runs no engine, so a console FCM transport stands in for the real one.
      Transport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, out);
      JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).build();
      herald.migrate();
      Jdbi jdbi = Jdbi.create(db);
      jdbi.useHandle(h -> h.execute("create table invoices (id int primary key, paid boolean)"));
      EnqueueResult first = onInvoicePaid(jdbi, herald, 7);
      EnqueueResult again = onInvoicePaid(jdbi, herald, 7); // the broker redelivered the event
      out.println("first enqueue:  created=" + first.created() + " id=" + first.notificationId());
      out.println("second enqueue: created=" + again.created() + " id=" + again.notificationId() + " (same notification)");
      herald.close();
      return new EnqueueResult[] {first, again};
    }
  }

  private static EnqueueResult onInvoicePaid(Jdbi jdbi, JdbcHerald herald, int invoice) {
    return jdbi.inTransaction(h -> {
      h.execute("merge into invoices key (id) values (?, true)", invoice);
      return herald.enqueue(h, Notification.builder("invoice-" + invoice + ":paid")
          .recipient(Recipient.id("customer-9"))
          .title("Thanks, invoice " + invoice + " is paid")
          .build());
    });
  }
}
