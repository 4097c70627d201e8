package dev.herald.reliability.support;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What a leak would show: threads, heap after a full collection, sockets, and TCP connections to a
 * port. Reads {@code /proc} (Linux), which is what the suite runs on; elsewhere socket figures are -1.
 */
public final class Resources {
  private Resources() {}

  /** Live threads of this JVM. */
  public static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  /** Live threads of this JVM whose name starts with one of the prefixes. */
  public static long threads(String... prefixes) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> Stream.of(prefixes).anyMatch(p -> t.getName().startsWith(p))).count();
  }

  /** Heap in use after asking for a full collection, in bytes. */
  public static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Open socket file descriptors of this process, or -1 when unknown. */
  public static long openSockets() {
    Path fd = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fd)) {
      return -1;
    }
    try (Stream<Path> s = Files.list(fd)) {
      return s.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().startsWith("socket:");
        } catch (IOException | UnsupportedOperationException e) {
          return false; // closed between list and read
        }
      }).count();
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Established TCP connections on this machine whose remote end is 127.0.0.1:{@code port}: the
   * clients' open connections to a fake push service (from every process on the machine).
   */
  public static long clientConnectionsTo(int port) {
    long n = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 4 || !f[3].equals("01")) {
            continue; // header, or not ESTABLISHED
          }
          String remote = f[2];
          int colon = remote.lastIndexOf(':');
          if (colon > 0 && Integer.parseInt(remote.substring(colon + 1), 16) == port) {
            n++;
          }
        }
      } catch (IOException | NumberFormatException e) {
        return -1;
      }
    }
    return n;
  }

  /** Megabytes, one decimal. */
  public static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1024.0 / 1024.0);
  }
}
