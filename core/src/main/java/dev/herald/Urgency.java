package dev.herald;

/**
 * How urgent a notification is, mapped to Web Push {@code Urgency} (RFC 8030 §5.3), FCM Android
 * priority and {@code apns-priority}. Lower urgency lets a device save battery.
 */
public enum Urgency {
  /** Web Push {@code very-low}; FCM normal priority; APNs priority 5. */
  VERY_LOW("very-low"),
  /** Web Push {@code low}; FCM normal priority; APNs priority 5. */
  LOW("low"),
  /** Web Push {@code normal}; FCM normal priority; APNs priority 5. */
  NORMAL("normal"),
  /** Web Push {@code high}; FCM high priority; APNs priority 10. */
  HIGH("high");

  private final String headerValue;

  Urgency(String headerValue) {
    this.headerValue = headerValue;
  }

  /** The RFC 8030 {@code Urgency} header value. */
  public String headerValue() {
    return headerValue;
  }
}
