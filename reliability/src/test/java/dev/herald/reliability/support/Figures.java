package dev.herald.reliability.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures one test measured: printed at the end and written to
 * {@code target/reliability/<name>.properties}, from where docs/reliability.md quotes them.
 */
public final class Figures {
  private final String name;
  private final Map<String, Object> values = new LinkedHashMap<>();

  /** Figures of the test {@code name}. */
  public Figures(String name) {
    this.name = name;
    put("started", Instant.now());
    put("cores", Runtime.getRuntime().availableProcessors());
  }

  /** Records (or replaces) one figure; returns the value. */
  public synchronized <T> T put(String figure, T value) {
    values.put(figure, value);
    return value;
  }

  /** The value of a figure. */
  public synchronized Object get(String figure) {
    return values.get(figure);
  }

  /** Prints and writes the figures. */
  public synchronized void write() {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    System.out.println("---- reliability figures: " + name + "\n" + sb + "----");
    try {
      Path dir = Path.of("target", "reliability");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name + ".properties"), sb.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
