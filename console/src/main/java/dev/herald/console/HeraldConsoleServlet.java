package dev.herald.console;

import dev.herald.console.internal.ServletExchange;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console as a Jakarta Servlet (6.0 or later), for Spring Boot, Quarkus, Jetty or Tomcat hosts.
 * Register it under a path ending in {@code /*}:
 *
 * <pre>{@code
 * // Spring Boot
 * @Bean ServletRegistrationBean<HeraldConsoleServlet> heraldConsole(HeraldConsole console) {
 *   return new ServletRegistrationBean<>(console.servlet(), "/herald/*");
 * }
 * }</pre>
 *
 * <p>Created with a console ({@link HeraldConsole#servlet()}), or by the container with the no-argument
 * constructor, in which case {@link #init(ServletConfig)} takes the console from the servlet context
 * attribute named {@link #CONSOLE_ATTRIBUTE}. Without an authorization hook it answers only requests
 * that arrive on a loopback address from one.
 */
public class HeraldConsoleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(HeraldConsoleServlet.class);

  /** The servlet context attribute a container-created servlet reads its {@link HeraldConsole} from. */
  public static final String CONSOLE_ATTRIBUTE = HeraldConsole.class.getName();

  private transient HeraldConsole console;

  /** For containers that instantiate servlets themselves; the console comes from {@link #CONSOLE_ATTRIBUTE}. */
  public HeraldConsoleServlet() {}

  /** A servlet serving this console. */
  public HeraldConsoleServlet(HeraldConsole console) {
    this.console = Objects.requireNonNull(console, "console");
  }

  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    if (console == null) {
      Object c = config.getServletContext().getAttribute(CONSOLE_ATTRIBUTE);
      if (!(c instanceof HeraldConsole hc)) {
        throw new ServletException("no HeraldConsole in the servlet context attribute " + CONSOLE_ATTRIBUTE
            + ": set it before the servlet starts, or register console.servlet()");
      }
      console = hc;
    }
    if (!console.handler().authorized()) {
      LOG.warn("Herald console servlet without an authorization hook: it answers loopback requests only");
    }
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    if (console == null) {
      resp.sendError(503, "the Herald console is not initialised");
      return;
    }
    console.handler().handle(new ServletExchange(req, resp));
  }
}
