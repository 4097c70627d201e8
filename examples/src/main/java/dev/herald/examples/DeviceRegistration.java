package dev.herald.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.herald.Channel;
import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.Notification;
import dev.herald.Recipient;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.io.PrintStream;
import java.util.List;

/**
 * The device lifecycle an app drives: register at login, touch on each token refresh, move from a
 * legacy FCM token to a Firebase Installation ID without ever being sent to twice, unregister at
 * logout.
 */
public final class DeviceRegistration {
  private DeviceRegistration() {}

  /** Runs the example against an embedded H2. */
  public static void main(String[] args) {
    run(System.out);
  }

  /** Returns the member's devices at the end and the targets the last notification went to. */
  static List<DeviceTarget> run(PrintStream out) {
    try (HikariDataSource db = ExampleSupport.h2("devices")) {
      ExampleSupport.ConsoleTransport fcm = new ExampleSupport.ConsoleTransport(Channel.FCM, out);
      try (JdbcHerald herald = JdbcHerald.builder(db).transport(fcm).build()) {
        herald.migrate();
        DeviceTarget legacy = new DeviceTarget.FcmToken("fLegacyToken:APA91bExampleExampleExample");
        DeviceTarget fid = new DeviceTarget.FcmInstallation("cNewFid0123456789abcde");
        DeviceTarget laptopApp = new DeviceTarget.FcmInstallation("cLaptopFid0123456789ab");

        herald.devices().register("member-7", legacy);
        herald.devices().register("member-7", laptopApp);
        out.println("registered: " + describe(herald.devices().devices("member-7")));
        herald.devices().touch(legacy); // the app's periodic refresh: last seen now
        // The app upgraded to installation ids: register the FID and name the token it replaces.
        herald.devices().register("member-7", fid, legacy);
        out.println("after migrating to an installation id: " + describe(herald.devices().devices("member-7")));
        herald.devices().unregister(laptopApp); // logout on the laptop
        out.println("after logout on the laptop: " + describe(herald.devices().devices("member-7")));

        herald.enqueue(Notification.builder("welcome-back").recipient(Recipient.id("member-7")).title("Welcome back").build());
        herald.runOnce();
        return herald.find("welcome-back").orElseThrow().deliveries().stream().map(d -> d.target()).toList();
      }
    }
  }

  private static String describe(List<Device> devices) {
    return devices.stream().map(d -> d.target().kind() + "=" + d.status()).sorted().toList().toString();
  }
}
