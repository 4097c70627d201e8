package dev.herald.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
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
 * The README's code is code a newcomer copies: it must compile against the current API, and the
 * test it shows must pass. Each case takes the first {@code java} block of a README section and
 * compiles it with the test classpath, adding only imports and the host's own names the snippet
 * assumes: the quick start is put in a method beside its DataSource secret, device ids, the
 * schedule and its persistence; the test of "Testing your integration" is a class of its own, whose
 * {@code @Test} methods are then run.
 */
class ReadmeSnippetsTest {
  private static final String QUICK_START_NAMES = """
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

  private static final String QUICK_START_IMPORTS = """
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

  /** What the README says the testing snippet uses: Herald's classes, herald-testing's, H2's, JUnit's and AssertJ's. */
  private static final String TESTING_IMPORTS = """
      import static org.assertj.core.api.Assertions.assertThat;

      import dev.herald.Device;
      import dev.herald.DeviceTarget;
      import dev.herald.Notification;
      import dev.herald.Recipient;
      import dev.herald.fcm.FcmTransport;
      import dev.herald.fcm.ServiceAccount;
      import dev.herald.outbox.jdbc.JdbcHerald;
      import dev.herald.testing.fcm.FakeFcm;
      import dev.herald.testing.fcm.FcmError;
      import dev.herald.testing.fcm.FcmRequest;
      import dev.herald.testing.webpush.FakePushService;
      import dev.herald.webpush.EndpointPolicy;
      import dev.herald.webpush.VapidKeys;
      import dev.herald.webpush.WebPushTransport;
      import org.h2.jdbcx.JdbcDataSource;
      import org.junit.jupiter.api.Test;
      """;

  @Test
  void theQuickStartCompiles(@TempDir Path out) throws IOException {
    String snippet = snippet("Quick start");
    assertThat(snippet).contains("JdbcHerald.builder(").contains("herald.enqueue(c,");
    compile("QuickStart", QUICK_START_IMPORTS + "\nclass QuickStart {\n" + QUICK_START_NAMES
        + "\nvoid run() throws Exception {\n" + snippet + "\n}\n}\n", out);
  }

  @Test
  void theTestOfTestingYourIntegrationCompilesAndPasses(@TempDir Path out) throws Exception {
    String snippet = snippet("Testing your integration");
    assertThat(snippet).contains("FakeFcm.start()").contains("FakePushService.builder()").contains("@Test");
    Matcher name = Pattern.compile("^class (\\w+)", Pattern.MULTILINE).matcher(snippet);
    assertThat(name.find()).as("the snippet is a test class").isTrue();
    compile(name.group(1), TESTING_IMPORTS + "\n" + snippet, out);

    try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
      Class<?> testClass = loader.loadClass(name.group(1));
      Constructor<?> constructor = testClass.getDeclaredConstructor();
      constructor.setAccessible(true);
      List<String> ran = new ArrayList<>();
      for (Method m : testClass.getDeclaredMethods()) {
        if (m.isAnnotationPresent(Test.class)) {
          m.setAccessible(true);
          try {
            m.invoke(constructor.newInstance());
          } catch (InvocationTargetException e) {
            throw new AssertionError("the README's " + m.getName() + " failed: " + e.getCause(), e.getCause());
          }
          ran.add(m.getName());
        }
      }
      assertThat(ran).as("@Test methods of the README's test that ran").isNotEmpty();
    }
  }

  /** Compiles one source file to {@code out} with the test classpath; fails listing the compiler's errors. */
  private static void compile(String className, String source, Path out) throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
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
      assertThat(errors).as("compiler errors in the README's " + className + ":\n" + source).isEmpty();
      assertThat(ok).isTrue();
    }
  }

  /** The first java block after the README's {@code ## <heading>}. */
  static String snippet(String heading) throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int section = readme.indexOf("\n## " + heading + "\n");
    assertThat(section).as("README has a " + heading + " section").isPositive();
    int next = readme.indexOf("\n## ", section + 1);
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find(section) && (next < 0 || m.start() < next)).as("a java block in the " + heading + " section")
        .isTrue();
    return m.group(1);
  }
}
