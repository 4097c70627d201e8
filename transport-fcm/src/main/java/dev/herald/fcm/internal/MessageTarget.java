package dev.herald.fcm.internal;

import dev.herald.DeviceTarget;

/**
 * The one target field of an HTTP v1 message.
 *
 * @param field {@code fid}, {@code token}, {@code topic} or {@code condition}
 * @param value its value; secret for devices
 * @param device true for a device (a lost one is target gone), false for a broadcast
 */
public record MessageTarget(String field, String value, boolean device) {

  /** The FCM target of a device, or null when the device is not an FCM device. */
  public static MessageTarget of(DeviceTarget target) {
    if (target instanceof DeviceTarget.FcmInstallation fid) {
      return new MessageTarget("fid", fid.fid(), true);
    }
    if (target instanceof DeviceTarget.FcmToken token) {
      return new MessageTarget("token", token.token(), true);
    }
    return null;
  }

  /** A topic broadcast. */
  public static MessageTarget topic(String topic) {
    return new MessageTarget("topic", topic, false);
  }

  /** A condition broadcast. */
  public static MessageTarget condition(String condition) {
    return new MessageTarget("condition", condition, false);
  }

  @Override
  public String toString() {
    return field + "=" + (device ? dev.herald.internal.Redact.secret(value) : value);
  }
}
