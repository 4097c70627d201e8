package dev.herald.reliability.support;

import dev.herald.reliability.engine.EngineMain;
import dev.herald.testing.fcm.FakeFcm;
import dev.herald.webpush.VapidKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One engine slot ({@code e1}, {@code e2}) run as a separate JVM ({@link EngineMain}) with the test
 * class path. Each (re)start is a new generation with its own instance id ({@code e1-g3}), so the
 * deliveries a killed generation held can be counted by lease owner.
 */
public final class EngineProcess {
  private static final List<Process> ALL = new CopyOnWriteArrayList<>();

  static {
    // Never leave an engine behind, whatever happens to the test JVM (short of kill -9 of it).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> ALL.forEach(Process::destroyForcibly), "kill-engines"));
  }

  private final String mainClass;
  private final String slot;
  private final Path dir;
  private final Map<String, String> settings;
  private int generation;
  private Process process;
  private String instanceId;
  private final List<Duration> startTimes = new ArrayList<>();

  /**
   * @param slot the slot name
   * @param dir where its settings, ready marker, stats and log go
   * @param settings what {@link EngineMain} reads besides instanceId, readyFile and statsFile
   */
  public EngineProcess(String slot, Path dir, Map<String, String> settings) {
    this(slot, dir, settings, EngineMain.class);
  }

  /**
   * A slot that runs {@code mainClass} instead of {@link EngineMain}; it reads the same properties
   * file and writes the same ready file.
   */
  public EngineProcess(String slot, Path dir, Map<String, String> settings, Class<?> mainClass) {
    this.mainClass = mainClass.getName();
    this.slot = slot;
    this.dir = dir;
    this.settings = Map.copyOf(settings);
  }

  /**
   * The settings every engine process needs: the database, the VAPID key and the fake FCM's service
   * account (both written to files in {@code dir}) and its URL, plus {@code extra}.
   */
  public static Map<String, String> settings(Path dir, String dbUrl, VapidKeys vapid, FakeFcm fcm,
      Map<String, String> extra) throws IOException {
    Path pem = dir.resolve("vapid.pem");
    Files.writeString(pem, vapid.toPem(), StandardCharsets.UTF_8);
    Path sa = dir.resolve("service-account.json");
    Files.writeString(sa, fcm.serviceAccountJson(), StandardCharsets.UTF_8);
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("url", dbUrl);
    settings.put("vapidPem", pem.toAbsolutePath().toString());
    settings.put("serviceAccount", sa.toAbsolutePath().toString());
    settings.put("fcmBaseUrl", fcm.baseUrl());
    return settings;
  }

  /** The class path engines run with: the test JVM's own (surefire runs without a manifest-only jar). */
  public static String classPath() {
    String cp = System.getProperty("java.class.path");
    if (!cp.contains("test-classes")) {
      throw new IllegalStateException("the test class path is not in java.class.path (surefire useManifestOnlyJar "
          + "must be false): " + cp);
    }
    return cp;
  }

  /** Starts the next generation (not waiting for it to be ready). */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(instanceId + " is still running");
    }
    generation++;
    instanceId = slot + "-g" + generation;
    Properties p = new Properties();
    p.putAll(settings);
    p.setProperty("instanceId", instanceId);
    p.setProperty("readyFile", ready().toString());
    p.setProperty("statsFile", statsFile().toString());
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(ready());
      Files.deleteIfExists(statsFile());
      Path props = dir.resolve(instanceId + ".properties");
      try (Writer w = Files.newBufferedWriter(props, StandardCharsets.UTF_8)) {
        p.store(w, "engine " + instanceId);
      }
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-cp", classPath(), mainClass, props.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(slot + ".log").toFile()));
      process = pb.start();
      ALL.add(process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the current generation has started its engine; returns how long that took from now. */
  public Duration awaitReady(Duration timeout) {
    Process p;
    synchronized (this) {
      p = process;
    }
    Duration d = Waits.until(timeout, () -> Files.exists(ready()) || !p.isAlive(), () -> instanceId + " not ready; see "
        + dir.resolve(slot + ".log"));
    if (!p.isAlive()) {
      throw new AssertionError(instanceId + " exited with " + p.exitValue() + "; see " + dir.resolve(slot + ".log"));
    }
    return d;
  }

  /** Starts and waits until ready; records the start time. */
  public Duration startAndAwait(Duration timeout) {
    start();
    Duration d = awaitReady(timeout);
    synchronized (this) {
      startTimes.add(d);
    }
    return d;
  }

  /** SIGKILL, and wait until the process is gone. Returns the instance id that died. */
  public synchronized String kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(instanceId + " survived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    ALL.remove(process);
    return instanceId;
  }

  /** SIGTERM (the engine closes cleanly), then SIGKILL after 20 s. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ALL.remove(process);
  }

  /** Whether the current generation is running. */
  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** The current generation's instance id (lease owner). */
  public synchronized String instanceId() {
    return instanceId;
  }

  /** How long each start took until ready. */
  public synchronized List<Duration> startTimes() {
    return List.copyOf(startTimes);
  }

  /** The stats lines the current generation wrote (epochMillis heapAfterGc threads sockets). */
  public List<long[]> stats() {
    try {
      if (!Files.exists(statsFile())) {
        return List.of();
      }
      List<long[]> out = new ArrayList<>();
      for (String line : Files.readAllLines(statsFile())) {
        String[] f = line.trim().split(" ");
        if (f.length == 4) {
          out.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
        }
      }
      return out;
    } catch (IOException | NumberFormatException e) {
      return List.of();
    }
  }

  private Path ready() {
    return dir.resolve(instanceId + ".ready");
  }

  private Path statsFile() {
    return dir.resolve(instanceId + ".stats");
  }
}
