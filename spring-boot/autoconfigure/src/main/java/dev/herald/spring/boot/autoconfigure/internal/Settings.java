package dev.herald.spring.boot.autoconfigure.internal;

import dev.herald.HeraldException;
import dev.herald.outbox.jdbc.OutboxException;
import dev.herald.spring.boot.autoconfigure.HeraldStartupException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Hands property values to one of Herald's builders, setter by setter, and turns whatever the
 * builder refuses into a {@link HeraldStartupException} that names the property. The builders stay
 * the only place where values are checked; this class only knows which property feeds which setter.
 * Not thread-safe; one per builder.
 */
public final class Settings {
  private final String component;
  private final Map<String, String> propertyOfSetting = new LinkedHashMap<>();

  /** Settings of one component, named in messages ("the engine", "the FCM transport"). */
  public Settings(String component) {
    this.component = component;
  }

  /**
   * Records that {@code property} feeds the builder setting {@code setting} and, when the value is
   * set, calls the setter.
   *
   * @throws HeraldStartupException naming the property when the setter refuses the value
   */
  public <T> void set(String property, String setting, T value, Consumer<? super T> setter) {
    propertyOfSetting.put(setting, property);
    if (value == null) {
      return; // the builder's default applies: it is the one place defaults live
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException | HeraldException e) {
      throw invalid(List.of(property), e);
    }
  }

  /** Records that {@code property} feeds {@code setting} without setting anything (a value set elsewhere). */
  public void names(String property, String setting) {
    propertyOfSetting.put(setting, property);
  }

  /**
   * Builds, turning a refused combination into a {@link HeraldStartupException} that names every
   * property whose setting the builder's message mentions.
   */
  public <T> T build(Supplier<T> build) {
    try {
      return build.get();
    } catch (OutboxException e) {
      throw e; // the database, not the configuration: reported as such by the caller
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException | HeraldException e) {
      throw invalid(mentioned(String.valueOf(e.getMessage())), e);
    }
  }

  /** The properties whose builder setting is named, as a word, in {@code message}. */
  List<String> mentioned(String message) {
    List<String> found = new ArrayList<>();
    for (Map.Entry<String, String> e : propertyOfSetting.entrySet()) {
      if (Pattern.compile("\\b" + Pattern.quote(e.getKey()) + "\\b").matcher(message).find()
          && !found.contains(e.getValue())) {
        found.add(e.getValue());
      }
    }
    return found;
  }

  private HeraldStartupException invalid(List<String> properties, RuntimeException e) {
    String which = properties.isEmpty() ? "" : " (" + String.join(", ", properties) + ")";
    return new HeraldStartupException("Invalid configuration of " + component + which + ": " + e.getMessage(),
        properties, properties.isEmpty()
            ? "Correct the configuration of " + component + "."
            : "Correct " + String.join(" and ", properties) + " in the application's configuration.", e);
  }
}
