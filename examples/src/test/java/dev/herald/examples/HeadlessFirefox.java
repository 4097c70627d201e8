package dev.herald.examples;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An unmodified Firefox ESR running headless in a fresh profile, its push client pointed at a local
 * push service. Only preferences are set: where the push service is (plain {@code ws://} allowed),
 * no permission prompt, notifications shown without the desktop's alert service (there is no D-Bus
 * here), and the start-up noise off.
 */
final class HeadlessFirefox implements AutoCloseable {
  /** The system property naming the browser binary; set by the project's test script once installed. */
  static final String PROPERTY = "herald.test.firefox";

  private final Process process;
  private final Path log;

  private HeadlessFirefox(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * The browser to run: the binary named by {@value #PROPERTY}, else {@code firefox-esr} or
   * {@code firefox} on the PATH.
   *
   * @throws IllegalStateException when the property names a binary that is not there
   */
  static Optional<Path> find() {
    String configured = System.getProperty(PROPERTY, "");
    if (!configured.isBlank()) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException(PROPERTY + " names no executable: " + configured);
      }
      return Optional.of(p);
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String name : List.of("firefox-esr", "firefox")) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (!dir.isEmpty() && Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /** Starts the browser on {@code url} with a fresh profile under {@code dir}. */
  static HeadlessFirefox start(Path binary, Path dir, String pushServerUrl, String url) throws IOException {
    Path profile = dir.resolve("profile");
    deleteRecursively(profile);
    Files.createDirectories(profile);
    Files.writeString(profile.resolve("user.js"), String.join("\n",
        pref("dom.push.serverURL", "\"" + pushServerUrl + "\""),
        pref("dom.push.testing.allowInsecureServerURL", "true"),
        pref("dom.push.testing.ignorePermission", "true"),
        pref("dom.push.maxQuotaPerSubscription", "10000"),
        pref("permissions.default.desktop-notification", "1"),
        pref("alerts.useSystemBackend", "false"),
        pref("browser.shell.checkDefaultBrowser", "false"),
        pref("browser.startup.homepage_override.mstone", "\"ignore\""),
        pref("browser.aboutwelcome.enabled", "false"),
        pref("datareporting.policy.dataSubmissionEnabled", "false"),
        pref("toolkit.telemetry.reportingpolicy.firstRun", "false"),
        pref("app.update.disabledForTesting", "true"),
        pref("network.proxy.type", "0")) + "\n", StandardCharsets.UTF_8);
    Path log = dir.resolve("firefox.log");
    ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--headless", "--no-remote", "--profile",
        profile.toString(), url);
    pb.environment().put("MOZ_HEADLESS", "1");
    pb.environment().put("MOZ_CRASHREPORTER_DISABLE", "1");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new HeadlessFirefox(pb.start(), log);
  }

  /** What {@code --version} says, e.g. "Mozilla Firefox 140.12.0esr". */
  static String version(Path binary) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  /** Whether the browser is still running. */
  boolean alive() {
    return process.isAlive();
  }

  /** The end of the browser's output, for a failure message. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String pref(String name, String value) {
    return "user_pref(\"" + name + "\", " + value + ");";
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Ends the browser: SIGTERM ends all its processes within a fraction of a second; then force. */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    for (ProcessHandle child : children) {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }
}
