package dev.herald.reliability.support;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * Tells HikariCP that a remote H2 connection whose session broke is dead. Hikari evicts a
 * connection on the SQL states it knows (class 08 and a few vendor codes), which H2's "connection
 * is broken" (90067) and "database is already closed" (90121, what a broken remote session answers
 * from then on) are not; without this a pool in front of an H2 server keeps handing out dead
 * connections after a network cut.
 */
public final class H2ConnectionLoss implements SQLExceptionOverride {
  @java.lang.Override
  public Override adjudicate(SQLException e) {
    int code = e.getErrorCode();
    return code == 90067 || code == 90121 || code == 90098 ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
  }
}
