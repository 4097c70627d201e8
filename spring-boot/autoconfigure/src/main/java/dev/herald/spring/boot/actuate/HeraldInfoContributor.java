package dev.herald.spring.boot.actuate;

import dev.herald.Channel;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * Adds {@code herald} to the actuator's info: the version, this instance's id, the database and
 * table prefix, the channels, whether the engine runs here, the schema version, and the public
 * half of the Web Push VAPID key (what browsers subscribe with). Never a credential.
 */
public class HeraldInfoContributor implements InfoContributor {
  private final JdbcHerald herald;
  private final BooleanSupplier engineRunning;
  private final String vapidPublicKey;

  /**
   * An info contributor for {@code herald}.
   *
   * @param engineRunning whether this instance's engine runs
   * @param vapidPublicKey the VAPID public key (base64url), or null without Web Push
   */
  public HeraldInfoContributor(JdbcHerald herald, BooleanSupplier engineRunning, String vapidPublicKey) {
    this.herald = Objects.requireNonNull(herald, "herald");
    this.engineRunning = Objects.requireNonNull(engineRunning, "engineRunning");
    this.vapidPublicKey = vapidPublicKey;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> info = new LinkedHashMap<>();
    String version = JdbcHerald.class.getPackage().getImplementationVersion();
    if (version != null) {
      info.put("version", version);
    }
    info.put("instanceId", herald.instanceId());
    info.put("database", herald.outbox().database().name());
    info.put("tablePrefix", herald.outbox().tablePrefix());
    info.put("channels", herald.channels().stream().map(Channel::name).sorted().toList());
    info.put("engine", engineRunning.getAsBoolean() ? "running" : "not running");
    try {
      info.put("schemaVersion", herald.admin().schemaVersion());
    } catch (RuntimeException e) {
      info.put("schemaVersion", "unavailable: the database could not be reached");
    }
    if (vapidPublicKey != null) {
      info.put("webPush", Map.of("vapidPublicKey", vapidPublicKey));
    }
    builder.withDetail("herald", info);
  }
}
