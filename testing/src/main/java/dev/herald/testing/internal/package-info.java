/**
 * Not API: the plumbing of herald-testing's fakes (the HTTP server under them, JWS verification on
 * the JDK's own code, FCM's storage rule for offline devices, bounded request histories). May
 * change in any release.
 */
package dev.herald.testing.internal;
