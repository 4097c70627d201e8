/**
 * Firebase Cloud Messaging (HTTP v1) transport: {@link dev.herald.fcm.ServiceAccount} credentials and
 * {@link dev.herald.fcm.FcmTransport}, which sends one message per request over HTTP/2 with an OAuth2
 * access token it obtains and refreshes itself. No Firebase or Google SDK is involved.
 */
package dev.herald.fcm;
