/**
 * A fake of Google's OAuth2 token endpoint and FCM HTTP v1 for tests: {@link dev.herald.testing.fcm.FakeFcm},
 * its generated {@link dev.herald.testing.fcm.TestServiceAccount}, FCM's error codes as replies
 * ({@link dev.herald.testing.fcm.FcmError}) and what it received ({@link dev.herald.testing.fcm.FcmRequest},
 * {@link dev.herald.testing.fcm.TokenRequest}).
 */
package dev.herald.testing.fcm;
