package dev.herald.examples.spring;

import dev.herald.Device;
import dev.herald.DeviceTarget;
import dev.herald.outbox.jdbc.JdbcHerald;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Registers a member's devices: an Android or iOS app posts its FCM installation id at login; a
 * browser posts the subscription {@code pushManager.subscribe} gave it. Herald checks the target with
 * its transport (the Web Push endpoint policy, for one) before storing it.
 */
@RestController
class DeviceController {
  private final JdbcHerald herald;

  DeviceController(JdbcHerald herald) {
    this.herald = herald;
  }

  /** An FCM installation id, or a browser's push subscription as {@code PushSubscription.toJSON()} gives it. */
  record NewDevice(String fcmInstallationId, String endpoint, Keys keys) {
    record Keys(String p256dh, String auth) {}

    DeviceTarget target() {
      if (fcmInstallationId != null) {
        return new DeviceTarget.FcmInstallation(fcmInstallationId);
      }
      if (endpoint == null || keys == null) {
        throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
            "post either fcmInstallationId or endpoint with keys.p256dh and keys.auth");
      }
      return new DeviceTarget.WebPushSubscription(endpoint, keys.p256dh(), keys.auth());
    }
  }

  /** A registered device, without its token or endpoint. */
  record DeviceView(String kind, String status) {
    static DeviceView of(Device d) {
      return new DeviceView(d.target().kind(), d.status().name());
    }
  }

  @PostMapping("/members/{member}/devices")
  @ResponseStatus(HttpStatus.CREATED)
  DeviceView register(@PathVariable String member, @RequestBody NewDevice body) {
    return DeviceView.of(herald.devices().register(member, body.target()));
  }

  @GetMapping("/members/{member}/devices")
  List<DeviceView> devices(@PathVariable String member) {
    return herald.devices().devices(member).stream().map(DeviceView::of).toList();
  }
}
