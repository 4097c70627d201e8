package dev.herald.kafka.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) run as a child JVM
 * from the {@code org.apache.kafka:kafka_2.13} artifacts on the class path: no Docker, nothing
 * installed. Starts in a few seconds; {@link #close()} kills it and deletes its data.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *   broker.createTopic("schedule-events", 3);
 *   ... broker.bootstrapServers() ...
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {
  private static final List<Process> ALL = new CopyOnWriteArrayList<>();

  static {
    // Never leave a broker behind, whatever happens to this JVM (short of kill -9 of it).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> ALL.forEach(Process::destroyForcibly), "kill-kafka-brokers"));
  }

  private final Path dir;
  private final boolean ownDir;
  private final int port;
  private final int controllerPort;
  private final String heap;
  private Process process;

  private KafkaBroker(Path dir, boolean ownDir, String heap) throws IOException {
    this.dir = dir;
    this.ownDir = ownDir;
    this.heap = heap;
    int[] ports = freePorts(2);
    this.port = ports[0];
    this.controllerPort = ports[1];
    writeConfig();
  }

  /** Starts a broker with its data in a fresh temporary folder and waits until it answers. */
  public static KafkaBroker start() {
    return start("512m");
  }

  /** {@link #start()} with this maximum heap ({@code -Xmx}). */
  public static KafkaBroker start(String heap) {
    try {
      KafkaBroker b = new KafkaBroker(Files.createTempDirectory("herald-kafka-"), true, heap);
      b.format();
      b.launch();
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code host:port} of the broker's listener. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Creates a topic (replication factor 1); a topic that exists already is left as it is. */
  public void createTopic(String name, int partitions) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("creating topic " + name + " failed", e.getCause());
      }
    } catch (Exception e) {
      throw new IllegalStateException("creating topic " + name + " failed", e);
    }
  }

  /** An admin client on this broker; the caller closes it. */
  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  /** SIGKILL of the broker process, waiting until it is gone; its data stays for {@link #restart()}. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ALL.remove(process);
      process = null;
    }
  }

  /** Starts the broker again on the same ports and data (after {@link #kill()}) and waits until it answers. */
  public synchronized void restart() {
    kill();
    launch();
  }

  /** Kills the broker and deletes its data. */
  @Override
  public synchronized void close() {
    kill();
    if (ownDir) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      } catch (IOException ignored) {
        // a temp folder; the OS cleans it eventually
      }
    }
  }

  private void writeConfig() throws IOException {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
    p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("log.dirs", dir.resolve("data").toAbsolutePath().toString());
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "5");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "5");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // Tests kill consumers; let the group notice within seconds rather than the default 45 s.
    p.setProperty("group.min.session.timeout.ms", "2000");
    p.setProperty("group.consumer.min.session.timeout.ms", "2000");
    p.setProperty("group.consumer.session.timeout.ms", "6000");
    p.setProperty("group.consumer.min.heartbeat.interval.ms", "500");
    p.setProperty("group.consumer.heartbeat.interval.ms", "1000");
    p.setProperty("num.partitions", "1");
    p.setProperty("auto.create.topics.enable", "false");
    Files.createDirectories(dir);
    try (var w = Files.newBufferedWriter(dir.resolve("server.properties"), StandardCharsets.UTF_8)) {
      p.store(w, "single-node KRaft broker for tests");
    }
  }

  private void format() {
    // What "kafka-storage random-uuid" prints, without starting a JVM for it.
    String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
    run(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config(), "--standalone"));
  }

  private String config() {
    return dir.resolve("server.properties").toAbsolutePath().toString();
  }

  private String run(List<String> mainAndArgs) {
    try {
      Path out = Files.createTempFile(dir, "tool-", ".out");
      Process p = new ProcessBuilder(command(mainAndArgs, "256m")).redirectErrorStream(true)
          .redirectOutput(out.toFile()).start();
      ALL.add(p);
      try {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(mainAndArgs + " did not finish in 120 s");
        }
      } finally {
        ALL.remove(p);
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(mainAndArgs + " failed (" + p.exitValue() + "): " + text);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private synchronized void launch() {
    try {
      process = new ProcessBuilder(command(List.of("kafka.Kafka", config()), heap)).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
      ALL.add(process);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Kafka broker exited with " + process.exitValue() + "; see "
            + dir.resolve("broker.log"));
      }
      try (Admin admin = admin()) {
        admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
        sleep(200);
      }
    }
    throw new IllegalStateException("the Kafka broker did not answer within 120 s; see " + dir.resolve("broker.log"),
        last);
  }

  private static List<String> command(List<String> mainAndArgs, String heap) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseSerialGC", "-Xss512k", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-cp", classPath()));
    cmd.addAll(mainAndArgs);
    return cmd;
  }

  /**
   * The class path for the child JVM: this JVM's own, plus the URLs of class loaders that load the
   * Kafka server classes (under {@code mvn exec:java} they are not on {@code java.class.path}).
   */
  public static String classPath() {
    Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
    for (ClassLoader cl = KafkaBroker.class.getClassLoader(); cl != null; cl = cl.getParent()) {
      if (cl instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException | IllegalArgumentException ignored) {
            // not a file URL: not for a class path
          }
        }
      }
    }
    entries.removeIf(String::isBlank);
    return String.join(File.pathSeparator, entries);
  }

  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "KafkaBroker[" + bootstrapServers() + ", " + dir + "]";
  }
}
