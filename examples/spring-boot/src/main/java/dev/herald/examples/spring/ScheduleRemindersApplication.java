package dev.herald.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Runs the service on port 8080 with an embedded H2 database and, unless the {@code live} profile is
 * active, herald-testing's fake FCM and Web Push services on 127.0.0.1 (see {@link SimulatedPushServices}).
 *
 * <pre>{@code mvn -B -q install -DskipTests && mvn -B -q -pl examples/spring-boot spring-boot:run}</pre>
 */
@SpringBootApplication
public class ScheduleRemindersApplication {

  /** Starts the service. */
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(ScheduleRemindersApplication.class);
    app.addInitializers(new SimulatedPushServices.Initializer());
    app.run(args);
  }
}
