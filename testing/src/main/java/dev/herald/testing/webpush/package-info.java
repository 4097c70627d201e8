/**
 * A fake Web Push service for tests: {@link dev.herald.testing.webpush.FakePushService}, whose
 * browsers ({@link dev.herald.testing.webpush.PushSubscriber}) decrypt what reaches them with code of
 * their own on the JDK's crypto ({@link dev.herald.testing.webpush.Aes128gcm}), the VAPID check it
 * applies ({@link dev.herald.testing.webpush.VapidCheck}) and what it received
 * ({@link dev.herald.testing.webpush.PushRequest}).
 */
package dev.herald.testing.webpush;
