package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import dev.herald.spi.Transport;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Enqueue in the host's own JDBC transaction: the notification exists if and only if the business
 * change commits. A rolled-back order leaves no notification behind.
 */
public final class TransactionalEnqueueJdbc {
  private TransactionalEnqueueJdbc() {}

  /** Runs the example against an embedded H2. */
  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  /** Returns whether the committed and the rolled-back notification exist, in that order. */
  static boolean[] run(PrintStream out) throws SQLException {
    try (HikariDataSource db = ExampleSupport.h2("jdbc-enqueue")) {
      // The transports the engines use check targets and content before anything is stored; this
      // example runs no engine, so a console FCM transport stands in for the real one.
      Transport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, out);
      JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).build();
      herald.migrate();
      try (Connection c = db.getConnection()) {
        c.createStatement().execute("create table orders (id int primary key, customer varchar(64))");
      }
      placeOrder(db, herald, 1, true);
      placeOrder(db, herald, 2, false);
      boolean committed = herald.find("order-1:placed").isPresent();
      boolean rolledBack = herald.find("order-2:placed").isPresent();
      out.println("order 1 committed   -> notification exists: " + committed);
      out.println("order 2 rolled back -> notification exists: " + rolledBack);
      herald.close();
      return new boolean[] {committed, rolledBack};
    }
  }

  private static void placeOrder(HikariDataSource db, JdbcHerald herald, int id, boolean commit) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("insert into orders values (?, ?)")) {
        ps.setInt(1, id);
        ps.setString(2, "customer-9");
        ps.executeUpdate();
      }
      herald.enqueue(c, Notification.builder("order-" + id + ":placed")
          .recipient(Recipient.device(new DeviceTarget.FcmInstallation("cOrderFid0123456789abc")))
          .title("Order " + id + " placed")
          .build());
      if (commit) {
        c.commit();
      } else {
        c.rollback(); // e.g. the payment failed after the enqueue
      }
    }
  }
}
