package dev.herald.reliability.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.util.UUID;
import org.h2.tools.Server;

/**
 * A database of its own behind a {@link TcpProxy}, so that a test can make it unreachable for the
 * engine's pool at any moment (and only for that pool): H2 in server mode, or a database on the
 * shared test PostgreSQL. {@link #direct()} reaches it without the proxy, for judging the run
 * while the engine's side is cut off.
 */
public final class CuttableDatabase implements AutoCloseable {
  private final Server h2;
  private final TestPostgres pg;
  private final TcpProxy proxy;
  private final HikariDataSource engineSide;
  private final HikariDataSource direct;

  private CuttableDatabase(Server h2, TestPostgres pg, TcpProxy proxy, HikariDataSource engineSide, HikariDataSource direct) {
    this.h2 = h2;
    this.pg = pg;
    this.proxy = proxy;
    this.engineSide = engineSide;
    this.direct = direct;
  }

  /** An in-memory H2 database served over TCP, behind a proxy. */
  public static CuttableDatabase h2(String name) {
    Server server;
    try {
      server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-tcpDaemon").start();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot start an H2 TCP server: " + e.getMessage(), e);
    }
    String db = "mem:" + name + "_" + UUID.randomUUID().toString().substring(0, 8)
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
    TcpProxy proxy = new TcpProxy("127.0.0.1", server.getPort());
    HikariDataSource direct = pool("jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/" + db, name + "-direct", 4);
    HikariDataSource engineSide = pool("jdbc:h2:tcp://127.0.0.1:" + proxy.port() + "/" + db, name + "-engine", 8);
    return new CuttableDatabase(server, null, proxy, engineSide, direct);
  }

  /** A fresh database on the shared test PostgreSQL, behind a proxy (skipped without one). */
  public static CuttableDatabase postgres(String name) {
    TestPostgres pg = TestPostgres.create();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(.*)").matcher(pg.url());
    if (!m.matches()) {
      pg.close();
      throw new IllegalStateException("unexpected PostgreSQL URL form: " + pg.url());
    }
    TcpProxy proxy = new TcpProxy(m.group(1), Integer.parseInt(m.group(2)));
    HikariConfig engine = TestPostgres.poolConfig("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + m.group(3),
        name + "-engine", 8);
    engine.addDataSourceProperty("socketTimeout", "10");
    HikariDataSource engineSide = new HikariDataSource(engine);
    HikariDataSource direct = new HikariDataSource(TestPostgres.poolConfig(pg.url(), name + "-direct", 4));
    return new CuttableDatabase(null, pg, proxy, engineSide, direct);
  }

  private static HikariDataSource pool(String url, String name, int size) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(url);
    c.setPoolName(name);
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(1);
    c.setConnectionTimeout(3_000);
    c.setValidationTimeout(1_000);
    c.setInitializationFailTimeout(-1);
    c.setExceptionOverrideClassName(H2ConnectionLoss.class.getName());
    return new HikariDataSource(c);
  }

  /** The pool the engine and the host use: through the proxy. */
  public HikariDataSource engineSide() {
    return engineSide;
  }

  /** A pool that bypasses the proxy. */
  public HikariDataSource direct() {
    return direct;
  }

  /** The proxy, to cut the engine side off ({@link TcpProxy#down()}) and back ({@link TcpProxy#up()}). */
  public TcpProxy proxy() {
    return proxy;
  }

  @Override
  public void close() {
    proxy.up();
    engineSide.close();
    direct.close();
    proxy.close();
    if (h2 != null) {
      h2.stop();
    }
    if (pg != null) {
      pg.close();
    }
  }
}
