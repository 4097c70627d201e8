package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start is code a newcomer copies: it must compile against the current API. This
 * test takes the first {@code java} block of the README's "Quick start" section, puts it in a method
 * whose only additions are the host's own names the snippet assumes (its DataSource secret, device
 * ids, the schedule and its persistence), and compiles it with the test classpath.
 */
class ReadmeQuickStartTest {
  private static final String HOST_NAMES = """
      record Schedule(String id, java.time.Instant startsAt) {}
      String secret = "";
      String fid = "";
      String endpoint = "";
      String p256dh = "";
      String auth = "";
      Schedule schedule = new Schedule("42", java.time.Instant.now());
      boolean scheduleStillPending(dev.herald.Delivery d) { return true; }
      void saveSchedule(java.sql.Connection c, Schedule s) {}
      void markCancelled(java.sql.Connection c, Schedule s) {}
      """;

  private static final String IMPORTS = """
      import com.zaxxer.hikari.HikariDataSource;
      import dev.herald.DeviceTarget;
      import dev.herald.LoggingDeliveryListener;
      import dev.herald.Notification;
      import dev.herald.Recipient;
      import dev.herald.fcm.FcmTransport;
      import dev.herald.fcm.ServiceAccount;
      import dev.herald.outbox.jdbc.JdbcHerald;
      import dev.herald.spi.DeliveryGuard.Verdict;
      import dev.herald.webpush.VapidKeys;
      import dev.herald.webpush.WebPushTransport;
      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.sql.Connection;
      import java.time.Duration;
      """;

  @Test
  void theQuickStartCompiles(@TempDir Path out) throws IOException {
    String snippet = quickStartSnippet();
    assertThat(snippet).contains("JdbcHerald.builder(").contains("herald.enqueue(c,");
    String source = IMPORTS + "\nclass QuickStart {\n" + HOST_NAMES + "\nvoid run() throws Exception {\n" + snippet
        + "\n}\n}\n";

    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///QuickStart.java"), JavaFileObject.Kind.SOURCE) {
        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
          return source;
        }
      };
      List<String> options = List.of("--release", "17", "-classpath", System.getProperty("java.class.path"), "-d",
          out.toString());
      boolean ok = compiler.getTask(null, files, diagnostics, options, null, List.of(unit)).call();
      List<String> errors = new ArrayList<>();
      for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
        if (d.getKind() == Diagnostic.Kind.ERROR) {
          errors.add("line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
        }
      }
      assertThat(errors).as("compiler errors in the README quick start:\n" + source).isEmpty();
      assertThat(ok).isTrue();
    }
  }

  /** The first java block after the "## Quick start" heading. */
  static String quickStartSnippet() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf("\n## Quick start");
    assertThat(section).as("README has a Quick start section").isPositive();
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find(section)).as("a java block in the Quick start section").isTrue();
    return m.group(1);
  }
}
