package dev.herald.outbox.jdbc.internal;

import dev.herald.Channel;
import dev.herald.Content;
import dev.herald.DeliveryOptions;
import dev.herald.DeviceTarget;
import dev.herald.Urgency;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compact binary encoding of what a notification carries (content, options, an explicit target)
 * and of device targets. Binary rather than JSON because the module has no JSON dependency and the
 * rows are read on every claim; a leading version byte lets the format evolve while old rows are
 * still in the table.
 *
 * <p>Layout (version 1): strings are a varint byte length then UTF-8; a nullable string is a
 * presence byte then the string; durations are varint milliseconds. Version 2 (schema version 4) adds,
 * after an FCM or Web Push target's own fields, the name of its credential (nullable string) and, for
 * FCM, its platform (a byte, 0 for unknown). A target without either is still written as version 1,
 * so that rows a host writes before using several credentials stay readable by the previous release.
 */
public final class PayloadCodec {
  private static final int VERSION = 1;
  private static final int VERSION_CREDENTIALS = 2;
  private static final int KIND_FID = 1;
  private static final int KIND_TOKEN = 2;
  private static final int KIND_WEBPUSH = 3;
  private static final int KIND_CUSTOM = 4;

  private PayloadCodec() {}

  /** What a notification row's payload decodes to. */
  public record Payload(Content content, DeliveryOptions options, DeviceTarget target) {}

  /** Encodes content, options and an optional explicit target. */
  public static byte[] encodePayload(Content content, DeliveryOptions options, DeviceTarget target) {
    Out out = new Out(128);
    int version = versionFor(target);
    out.writeByte(version);
    out.nullableString(content.title());
    out.nullableString(content.body());
    out.varint(content.data().size());
    for (Map.Entry<String, String> e : content.data().entrySet()) {
      out.string(e.getKey());
      out.string(e.getValue());
    }
    out.nullableString(content.image() == null ? null : content.image().toString());
    out.nullableString(content.clickUrl() == null ? null : content.clickUrl().toString());
    out.varint(options.timeToLive().toMillis());
    out.writeByte(urgencyCode(options.urgency()));
    out.nullableString(options.collapseKey());
    if (target == null) {
      out.writeByte(0);
    } else {
      out.writeByte(1);
      writeTarget(out, target, version);
    }
    return out.toByteArray();
  }

  /** Decodes what {@link #encodePayload} wrote. */
  public static Payload decodePayload(byte[] bytes) {
    In in = new In(bytes);
    int version = in.readByte();
    if (version != VERSION && version != VERSION_CREDENTIALS) {
      throw new IllegalStateException("unknown outbox payload version " + version
          + ": the row was written by a newer Herald; upgrade this instance");
    }
    String title = in.nullableString();
    String body = in.nullableString();
    int n = (int) in.varint();
    Map<String, String> data = new LinkedHashMap<>(Math.max(4, n * 2));
    for (int i = 0; i < n; i++) {
      data.put(in.string(), in.string());
    }
    String image = in.nullableString();
    String click = in.nullableString();
    Content content = new Content(title, body, data, image == null ? null : URI.create(image),
        click == null ? null : URI.create(click));
    Duration ttl = Duration.ofMillis(in.varint());
    Urgency urgency = urgency(in.readByte());
    String collapseKey = in.nullableString();
    DeliveryOptions options = new DeliveryOptions(ttl, urgency, collapseKey);
    DeviceTarget target = in.readByte() == 1 ? readTarget(in, version) : null;
    return new Payload(content, options, target);
  }

  /** Encodes a device target. */
  public static byte[] encodeTarget(DeviceTarget target) {
    Out out = new Out(64);
    int version = versionFor(target);
    out.writeByte(version);
    writeTarget(out, target, version);
    return out.toByteArray();
  }

  /** Decodes what {@link #encodeTarget} wrote. */
  public static DeviceTarget decodeTarget(byte[] bytes) {
    In in = new In(bytes);
    int version = in.readByte();
    if (version != VERSION && version != VERSION_CREDENTIALS) {
      throw new IllegalStateException("unknown device target version " + version
          + ": the row was written by a newer Herald; upgrade this instance");
    }
    return readTarget(in, version);
  }

  /**
   * The device's identity as stored in the unique index: SHA-256 of the address, base64url. A hash
   * because an address can be 4096 characters, longer than a B-tree entry may be.
   */
  public static String addressHash(DeviceTarget target) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(target.address().getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** Version 1 unless the target names a credential or a platform. */
  private static int versionFor(DeviceTarget target) {
    if (target == null || target.credential() != null) {
      return target == null ? VERSION : VERSION_CREDENTIALS;
    }
    return platform(target) != null ? VERSION_CREDENTIALS : VERSION;
  }

  private static DeviceTarget.Platform platform(DeviceTarget target) {
    if (target instanceof DeviceTarget.FcmInstallation t) {
      return t.platform();
    }
    return target instanceof DeviceTarget.FcmToken t ? t.platform() : null;
  }

  private static void writeTarget(Out out, DeviceTarget target, int version) {
    if (target instanceof DeviceTarget.FcmInstallation t) {
      out.writeByte(KIND_FID);
      out.string(t.fid());
      fcmExtras(out, version, t.serviceAccount(), t.platform());
    } else if (target instanceof DeviceTarget.FcmToken t) {
      out.writeByte(KIND_TOKEN);
      out.string(t.token());
      fcmExtras(out, version, t.serviceAccount(), t.platform());
    } else if (target instanceof DeviceTarget.WebPushSubscription t) {
      out.writeByte(KIND_WEBPUSH);
      out.string(t.endpoint());
      out.string(t.p256dh());
      out.string(t.auth());
      if (version >= VERSION_CREDENTIALS) {
        out.nullableString(t.vapidKey());
      }
    } else if (target instanceof DeviceTarget.Custom t) {
      out.writeByte(KIND_CUSTOM);
      out.string(t.channel().name());
      out.string(t.address());
      out.varint(t.attributes().size());
      for (Map.Entry<String, String> e : t.attributes().entrySet()) {
        out.string(e.getKey());
        out.string(e.getValue());
      }
    } else {
      throw new IllegalArgumentException("unknown device target type: " + target.getClass().getName());
    }
  }

  private static void fcmExtras(Out out, int version, String serviceAccount, DeviceTarget.Platform platform) {
    if (version >= VERSION_CREDENTIALS) {
      out.nullableString(serviceAccount);
      out.writeByte(platformCode(platform));
    }
  }

  private static DeviceTarget readTarget(In in, int version) {
    int kind = in.readByte();
    boolean extras = version >= VERSION_CREDENTIALS;
    switch (kind) {
      case KIND_FID: {
        String fid = in.string();
        return extras ? new DeviceTarget.FcmInstallation(fid, in.nullableString(), platform(in.readByte()))
            : new DeviceTarget.FcmInstallation(fid);
      }
      case KIND_TOKEN: {
        String token = in.string();
        return extras ? new DeviceTarget.FcmToken(token, in.nullableString(), platform(in.readByte()))
            : new DeviceTarget.FcmToken(token);
      }
      case KIND_WEBPUSH: {
        String endpoint = in.string();
        String p256dh = in.string();
        String auth = in.string();
        return new DeviceTarget.WebPushSubscription(endpoint, p256dh, auth, extras ? in.nullableString() : null);
      }
      case KIND_CUSTOM:
        Channel channel = Channel.of(in.string());
        String address = in.string();
        int n = (int) in.varint();
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          attrs.put(in.string(), in.string());
        }
        return new DeviceTarget.Custom(channel, address, attrs);
      default:
        throw new IllegalStateException("unknown device target kind " + kind);
    }
  }

  // Fixed tables rather than Enum.ordinal(): reordering an enum must not change stored rows.
  private static int platformCode(DeviceTarget.Platform p) {
    if (p == null) {
      return 0;
    }
    return switch (p) {
      case ANDROID -> 1;
      case IOS -> 2;
      case WEB -> 3;
    };
  }

  private static DeviceTarget.Platform platform(int code) {
    return switch (code) {
      case 0 -> null;
      case 1 -> DeviceTarget.Platform.ANDROID;
      case 2 -> DeviceTarget.Platform.IOS;
      case 3 -> DeviceTarget.Platform.WEB;
      default -> throw new IllegalStateException("unknown platform code " + code);
    };
  }

  private static int urgencyCode(Urgency u) {
    return switch (u) {
      case VERY_LOW -> 0;
      case LOW -> 1;
      case NORMAL -> 2;
      case HIGH -> 3;
    };
  }

  private static Urgency urgency(int code) {
    return switch (code) {
      case 0 -> Urgency.VERY_LOW;
      case 1 -> Urgency.LOW;
      case 2 -> Urgency.NORMAL;
      case 3 -> Urgency.HIGH;
      default -> throw new IllegalStateException("unknown urgency code " + code);
    };
  }

  private static final class Out extends ByteArrayOutputStream {
    Out(int size) {
      super(size);
    }

    void writeByte(int b) {
      write(b);
    }

    void varint(long v) {
      if (v < 0) {
        throw new IllegalArgumentException("negative length or duration: " + v);
      }
      while ((v & ~0x7FL) != 0) {
        write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      write((int) v);
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      write(b, 0, b.length);
    }

    void nullableString(String s) {
      if (s == null) {
        write(0);
      } else {
        write(1);
        string(s);
      }
    }
  }

  private static final class In {
    private final byte[] buf;
    private int pos;

    In(byte[] buf) {
      this.buf = buf;
    }

    int readByte() {
      if (pos >= buf.length) {
        throw new IllegalStateException("truncated outbox payload");
      }
      return buf[pos++] & 0xFF;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = readByte();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalStateException("malformed varint in outbox payload");
    }

    String string() {
      int len = (int) varint();
      if (len < 0 || pos + len > buf.length) {
        throw new IllegalStateException("truncated outbox payload");
      }
      String s = new String(buf, pos, len, StandardCharsets.UTF_8);
      pos += len;
      return s;
    }

    String nullableString() {
      return readByte() == 0 ? null : string();
    }
  }
}
