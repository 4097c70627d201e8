package dev.herald.kafka.testing;

/** One broker for every test of this JVM (each test uses topics and groups of its own); killed at exit. */
public final class SharedBroker {
  private static KafkaBroker broker;

  private SharedBroker() {}

  /** The broker, started on first use. */
  public static synchronized KafkaBroker get() {
    if (broker == null) {
      broker = KafkaBroker.start();
      KafkaBroker b = broker;
      Runtime.getRuntime().addShutdownHook(new Thread(b::close, "stop-shared-kafka"));
    }
    return broker;
  }
}
